// Tensor element types, numbered exactly as GGUF/ggml numbers them (the value is the on-disk id).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace hearth {

enum class DType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  BF16 = 30,
};

struct DTypeTraits {
  DType type;
  std::string_view name;   // "q8_0", as llama.cpp spells it
  uint32_t block_elems;    // elements per block (1 for plain types)
  uint32_t block_bytes;    // bytes per block
  bool quantized;
};

// Traits of a GGUF type id, or nullopt for ids hearth does not know (e.g. IQ types).
std::optional<DTypeTraits> dtype_traits(uint32_t gguf_type_id);
const DTypeTraits& dtype_traits(DType type);  // throws hearth::Error for an unknown value
std::string_view dtype_name(DType type);
std::optional<DType> dtype_from_name(std::string_view name);  // "q8_0", "F16", case-insensitive

// Bytes of a row of `n` elements; nullopt if n is not a multiple of the block size.
std::optional<size_t> row_bytes(DType type, uint64_t n);

}  // namespace hearth

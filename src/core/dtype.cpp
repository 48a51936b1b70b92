#include "hearth/dtype.hpp"

#include <array>
#include <cctype>
#include <string>

#include "hearth/error.hpp"

namespace hearth {
namespace {

// Block layouts are those of ggml (ggml-common.h), which GGUF files store verbatim.
constexpr std::array<DTypeTraits, 20> kTraits{{
    {DType::F32, "f32", 1, 4, false},
    {DType::F16, "f16", 1, 2, false},
    {DType::Q4_0, "q4_0", 32, 2 + 16, true},
    {DType::Q4_1, "q4_1", 32, 2 + 2 + 16, true},
    {DType::Q5_0, "q5_0", 32, 2 + 4 + 16, true},
    {DType::Q5_1, "q5_1", 32, 2 + 2 + 4 + 16, true},
    {DType::Q8_0, "q8_0", 32, 2 + 32, true},
    {DType::Q8_1, "q8_1", 32, 2 + 2 + 32, true},
    {DType::Q2_K, "q2_k", 256, 16 + 64 + 2 + 2, true},
    {DType::Q3_K, "q3_k", 256, 32 + 64 + 12 + 2, true},
    {DType::Q4_K, "q4_k", 256, 2 + 2 + 12 + 128, true},
    {DType::Q5_K, "q5_k", 256, 2 + 2 + 12 + 32 + 128, true},
    {DType::Q6_K, "q6_k", 256, 128 + 64 + 16 + 2, true},
    {DType::Q8_K, "q8_k", 256, 4 + 256 + 32, true},
    {DType::I8, "i8", 1, 1, false},
    {DType::I16, "i16", 1, 2, false},
    {DType::I32, "i32", 1, 4, false},
    {DType::I64, "i64", 1, 8, false},
    {DType::F64, "f64", 1, 8, false},
    {DType::BF16, "bf16", 1, 2, false},
}};

}  // namespace

std::optional<DTypeTraits> dtype_traits(uint32_t gguf_type_id) {
  for (const auto& t : kTraits)
    if (static_cast<uint32_t>(t.type) == gguf_type_id) return t;
  return std::nullopt;
}

const DTypeTraits& dtype_traits(DType type) {
  for (const auto& t : kTraits)
    if (t.type == type) return t;
  fail(Status::kUnsupported, "unknown tensor type id " + std::to_string(static_cast<uint32_t>(type)));
}

std::string_view dtype_name(DType type) { return dtype_traits(type).name; }

std::optional<DType> dtype_from_name(std::string_view name) {
  std::string lower(name);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& t : kTraits)
    if (t.name == lower) return t.type;
  return std::nullopt;
}

std::optional<size_t> row_bytes(DType type, uint64_t n) {
  const auto& t = dtype_traits(type);
  if (n % t.block_elems != 0) return std::nullopt;
  return static_cast<size_t>(n / t.block_elems * t.block_bytes);
}

}  // namespace hearth

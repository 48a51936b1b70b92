// Model import: Hugging Face checkpoints (config.json + safetensors + tokenizer.json) and
// llama.cpp-style llama2.c checkpoints, written as GGUF files that follow llama.cpp's
// conventions (tensor names, rotary row order, tokenizer metadata), so that llama.cpp and
// hearth load them alike.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "hearth/dtype.hpp"

namespace hearth {

// Output types of `hearth convert`. f32/f16/bf16/q8_0 follow llama.cpp's converter; the others
// are llama-quantize's types and mixes (kQ4_K_M: Q4_K with some tensors in Q6_K), planned and
// quantized as `hearth quantize` would from an F32 conversion.
// The values of the first release, then the later ones.
// clang-format off
enum class ConvertType {
  kF32, kF16, kBF16, kQ8_0, kQ4_0, kQ4_K_M,
  kQ4_1, kQ5_0, kQ5_1, kQ2_K, kQ3_K_S, kQ3_K_M, kQ3_K_L, kQ4_K_S, kQ5_K_S, kQ5_K_M, kQ6_K,
};
// clang-format on

// "f32", "f16", "bf16", "q8_0", or any other name `hearth quantize` takes (q4_0, q4_k_m, q2_k,
// ...; case-insensitive); throws kInvalidArgument.
ConvertType convert_type_from_name(const std::string& name);

struct ConvertOptions {
  std::string input;              // Hugging Face folder, or llama2.c checkpoint (.bin)
  std::string llama2c_tokenizer;  // non-empty: `input` is a llama2.c checkpoint
  std::string output;             // GGUF path, written atomically
  ConvertType type = ConvertType::kF16;
  // Called as work proceeds (done <= total, total fixed); return false to cancel, which throws
  // Error(kCancelled) and leaves no output file.
  std::function<bool(uint64_t done, uint64_t total)> progress;
};

// Converts a model. Throws hearth::Error: kIoError (missing files), kInvalidModel (corrupt or
// inconsistent input), kUnsupported (unknown architecture or dtype), kCancelled.
// On any failure no file exists at `output` (an existing file there is left untouched).
void convert_model(const ConvertOptions& options);

}  // namespace hearth

// Re-quantizing GGUF models (`hearth quantize`), following llama.cpp's llama-quantize: the same
// per-tensor type choices (the Q4_K_M mix, Q6_K output matrix, fallbacks for rows that are not a
// multiple of 256), the same bytes for every quantized tensor, all metadata copied, and
// general.file_type set to llama.cpp's value.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "hearth/dtype.hpp"

namespace hearth {

class GgufFile;

// llama-quantize's types (llama_ftype). The _S/_M/_L ones are mixes: e.g. Q4_K_M is Q4_K with
// Q6_K for the output matrix and some attn_v / ffn_down layers.
// The values of the first release, then the later ones.
// clang-format off
enum class QuantizeType {
  kF32, kF16, kBF16, kQ8_0, kQ4_0, kQ4_K_M, kQ6_K,
  kQ4_1, kQ5_0, kQ5_1, kQ2_K, kQ3_K_S, kQ3_K_M, kQ3_K_L, kQ4_K_S, kQ5_K_S, kQ5_K_M,
};
// clang-format on

// "f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q2_k", "q3_k_s", "q3_k_m",
// "q3_k_l", "q4_k_s", "q4_k_m", "q5_k_s", "q5_k_m", "q6_k" (case-insensitive); throws
// Error(kInvalidArgument) naming the accepted values.
QuantizeType quantize_type_from_name(std::string_view name);
std::string_view quantize_type_name(QuantizeType type);
// llama.cpp's llama_ftype value stored in general.file_type (e.g. 15 for Q4_K_M).
uint32_t quantize_file_type(QuantizeType type);
// The mix's default tensor type (Q4_K for Q4_K_M).
DType quantize_base_type(QuantizeType type);

// The model facts llama.cpp's mixes depend on (Q2_K's attn_v follows the GQA ratio, 70B models
// get more bits in attn_v, MoE models in attn_v / attn_k / attn_output).
struct QuantizeModelInfo {
  std::string arch;  // general.architecture
  int n_layer = 0;   // 0: count the ffn_down tensors
  int n_head = 0, n_head_kv = 0, n_expert = 0;
  int n_gqa() const { return n_head_kv > 0 ? n_head / n_head_kv : 0; }
  bool is_70b() const;  // llama.cpp's LLM_TYPE_70B
};
QuantizeModelInfo quantize_model_info(const GgufFile& file);

struct TensorDesc {
  std::string name;
  std::vector<uint64_t> dims;  // ggml order: dims[0] is the row length
  DType type;                  // the current type
};

// The order in which llama-quantize processes and writes tensors: non-layer tensors first, then
// by layer number ("blk.N."), by name within each group. Returns indices into `names`.
std::vector<size_t> llama_tensor_order(const std::vector<std::string>& names);

// The type each tensor gets for `target` (same order as `tensors`, which should be in
// llama_tensor_order: the mixes depend on each attn_v / ffn_down tensor's position among its
// kind).
// Tensors that are not quantized (1-D, norms, integer types) keep their type.
std::vector<DType> plan_tensor_types(QuantizeType target, const std::vector<TensorDesc>& tensors,
                                     const QuantizeModelInfo& model = {});

struct QuantizeOptions {
  std::string input;   // GGUF file
  std::string output;  // GGUF path, written atomically (temporary file + rename)
  QuantizeType type = QuantizeType::kQ8_0;
  int n_threads = 0;  // <= 0: one per core
  // Called as tensors are processed (done <= total, elements); return false to cancel: throws
  // Error(kCancelled) and no file is written.
  std::function<bool(uint64_t done, uint64_t total)> progress;
  // One line per tensor ("[  3/ 21] token_embd.weight f16 -> q4_k"); may be empty.
  std::function<void(const std::string& line)> log;
};

// Throws hearth::Error: kIoError, kInvalidModel, kUnsupported (a tensor type hearth cannot
// read), kCancelled. On failure no file exists at `output` (an existing file is left untouched).
void quantize_model(const QuantizeOptions& options);

}  // namespace hearth

// hearth::Model — the weights and hyper-parameters of a decoder-only transformer, read in place
// from a GGUF mapping (no tensor is copied). Immutable after load; share it between contexts.
//
// Supported architectures (src/model/<arch>.cpp): llama (Llama 2/3, Mistral, TinyLlama,
// SmolLM2, TinyStories), qwen2 (Q/K/V biases), qwen3 (per-head Q/K RMSNorm).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hearth/dtype.hpp"
#include "hearth/gguf.hpp"

namespace hearth {

class Tokenizer;

// A 1-D or 2-D weight in the mapping. ggml order: n_in (= dims[0]) elements per row, n_out rows.
struct TensorView {
  const GgufTensorInfo* info = nullptr;  // null: the tensor is absent (optional weights)
  DType type = DType::F32;
  int64_t n_in = 0;
  int64_t n_out = 1;
  size_t row_bytes = 0;
  const uint8_t* data = nullptr;
  // The same rows in the matmul kernels' interleaved R16 layout (src/kernels/packed_rows.hpp),
  // written once at load when the active kernels read that layout for this type; null
  // otherwise. matmul reads it instead of `data`, which stays valid for row lookups.
  const uint8_t* packed = nullptr;

  explicit operator bool() const { return data != nullptr; }
  const uint8_t* row(int64_t r) const { return data + static_cast<size_t>(r) * row_bytes; }
};

enum class RopeStyle { kNormal, kNeox };  // adjacent pairs (llama) / halves (qwen, NeoX)

struct ModelConfig {
  std::string architecture;
  int n_vocab = 0;
  int n_embd = 0;
  int n_layer = 0;
  int n_head = 0;
  int n_head_kv = 0;
  int head_dim = 0;    // per-head size of Q and K (key_length)
  int head_dim_v = 0;  // per-head size of V (value_length)
  int n_ff = 0;
  int n_ctx_train = 0;
  int n_rot = 0;  // rotated dimensions of each head
  float rms_eps = 1e-5f;
  float rope_base = 10000.0f;
  float rope_freq_scale = 1.0f;  // 1 / linear scaling factor
  RopeStyle rope_style = RopeStyle::kNormal;
  bool qkv_bias = false;
  bool qk_norm = false;
  int bos_token = -1;
  int eos_token = -1;
  std::vector<int> eog_tokens;  // tokens that end generation (eos, eot, eom, ...)
};

struct LayerWeights {
  TensorView attn_norm;       // [n_embd]
  TensorView wq, wk, wv, wo;  // [n_embd -> n_head*head_dim], [.. -> n_head_kv*head_dim], ...
  TensorView bq, bk, bv;      // qwen2 biases (optional)
  TensorView q_norm, k_norm;  // qwen3 per-head RMSNorm weights [head_dim]
  TensorView ffn_norm;        // [n_embd]
  TensorView ffn_gate, ffn_up, ffn_down;
};

// Options of Model::load.
struct ModelLoadOptions {
  // A directory for a cache of the weights repacked at load (created if absent; its parent
  // must exist). A later load of the same unchanged file maps the cache instead of repacking
  // (docs/performance.md, "Load"). Empty: the environment's HEARTH_REPACK_CACHE, else none.
  // POSIX only: ignored on Windows.
  std::string repack_cache;
};

class Model {
 public:
  // Validates the architecture, hyper-parameters and every tensor (presence, shape, type).
  // Throws hearth::Error kUnsupported (unknown architecture or tensor type) or kInvalidModel
  // (missing/misshapen tensor, bad metadata), naming what is wrong.
  static std::shared_ptr<const Model> load(std::shared_ptr<const GgufFile> file,
                                           const ModelLoadOptions& options = {});

  const ModelConfig& config() const { return config_; }
  const GgufFile& file() const { return *file_; }
  // The file's tokenizer; null when it has none or hearth does not support its kind.
  const Tokenizer* tokenizer() const { return tokenizer_.get(); }
  bool is_eog(int token) const;
  // Bytes of weights repacked at load for the active kernels (TensorView::packed); 0: none.
  size_t repacked_bytes() const { return repacked_bytes_; }

  TensorView token_embd;   // [n_embd] x n_vocab
  TensorView output_norm;  // [n_embd]
  TensorView output;       // [n_embd] x n_vocab (token_embd when tied)
  TensorView rope_freqs;   // Llama 3 frequency factors [n_rot / 2] (optional)
  std::vector<LayerWeights> layers;

 private:
  Model() = default;
  std::shared_ptr<const GgufFile> file_;
  std::shared_ptr<const Tokenizer> tokenizer_;
  std::shared_ptr<const uint8_t> packed_weights_;  // owns every TensorView::packed
  size_t repacked_bytes_ = 0;
  ModelConfig config_;
};

}  // namespace hearth

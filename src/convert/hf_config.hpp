// config.json of a Hugging Face causal LM, reduced to what the GGUF file needs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace hearth::convert {

struct HfConfig {
  std::string hf_arch;  // "LlamaForCausalLM", ...
  std::string arch;     // GGUF architecture: "llama", "qwen2", "qwen3"
  uint64_t n_layer = 0, n_embd = 0, n_ff = 0, n_head = 0, n_head_kv = 0, head_dim = 0;
  uint64_t n_ctx = 0, n_vocab = 0;
  bool head_dim_explicit = false;  // config.json names head_dim (written as key/value length)
  std::optional<double> rope_theta;
  double rms_eps = 1e-6;
  std::optional<double> rope_linear_factor;
  bool tied = false;        // tie_word_embeddings
  bool permute_qk = false;  // llama family: HF rotate-half rows -> GGUF interleaved pairs
  bool qkv_bias = false;    // qwen2
  bool qk_norm = false;     // qwen3
  nlohmann::json json;      // the whole file, for special token ids
};

// Reads and validates DIR/config.json. Throws kIoError (missing), kInvalidModel (malformed or
// inconsistent), kUnsupported (architecture or rope scaling hearth cannot convert).
HfConfig read_hf_config(const std::string& dir);

}  // namespace hearth::convert

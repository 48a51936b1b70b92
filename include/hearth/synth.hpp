// Synthetic models: random weights in the exact shapes of real architectures, with a real
// tokenizer copied from a vocabulary GGUF. For benchmarks only (the outputs are meaningless).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hearth/dtype.hpp"

namespace hearth {

struct SynthPreset {
  std::string name;          // "qwen2.5-0.5b"
  std::string architecture;  // llama | qwen2 | qwen3 | bert | nomic-bert
  int n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff, context_length;
  float rope_base, rms_eps;
  bool tied_embeddings;
  bool llama3_rope;  // writes rope_freqs.weight (Llama 3.x long-context scaling)
  // Embedding / reranking shapes (docs/embeddings.md): <arch>.pooling_type (-1: not written;
  // 0 none, 1 mean, 2 cls, 3 last, 4 rank) and the reranker's head: bert writes cls (+bias)
  // and cls.output (+bias, one row); qwen3 writes cls.output with "yes"/"no" rows and a rerank
  // prompt (tokenizer.chat_template.rerank). add_eos: tokenizer.ggml.add_eos_token = true
  // (Qwen3-Embedding ends every text with <|endoftext|>).
  int pooling_type = -1;
  bool reranker = false;
  bool add_eos = false;
};

const std::vector<SynthPreset>& synth_presets();
const SynthPreset& find_synth_preset(const std::string& name);  // throws kInvalidArgument

struct SynthOptions {
  std::string preset;
  std::string vocab_path;  // GGUF whose tokenizer.* metadata (and vocabulary size) is copied
  std::string output_path;
  std::string type = "q8_0";  // f32, f16, bf16, q8_0, q4_0, q4_k, q6_k
  uint64_t seed = 42;
  // Called with (done, total) weights; return false to cancel.
  std::function<bool(uint64_t, uint64_t)> progress;
};

void synth_model(const SynthOptions& options);

}  // namespace hearth

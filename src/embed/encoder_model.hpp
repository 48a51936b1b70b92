// The weights and hyper-parameters of an embedding / reranking model, read in place from a
// GGUF mapping with the metadata keys and tensor names llama.cpp uses:
//   bert        token_embd + token_types + position_embd, token_embd_norm (LayerNorm), per
//               layer attn_{q,k,v} (+bias), attn_output (+bias), attn_output_norm, ffn_up
//               (+bias) GELU ffn_down (+bias), layer_output_norm: post-layer-norm.
//               Cross-encoders add cls (+bias, tanh) and cls.output (+bias).
//   nomic-bert  the same skeleton with a fused attn_qkv, NeoX RoPE instead of absolute
//               positions and a SwiGLU FFN (ffn_gate, ffn_up, ffn_down, no biases).
//   qwen3       a decoder (pre-RMSNorm, per-head Q/K RMSNorm, RoPE, SwiGLU, causal attention)
//               whose final normed hidden states are pooled (Qwen3-Embedding); Qwen3-Reranker
//               adds cls.output ([n_embd] x 2: the "yes" / "no" rows of its LM head).
// Immutable after load.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "embed/embedder.hpp"
#include "hearth/gguf.hpp"
#include "hearth/model.hpp"

namespace hearth {
class Tokenizer;
namespace embed {

enum class Family { kBert, kNomicBert, kDecoder };

struct EncoderConfig {
  std::string architecture;
  Family family = Family::kBert;
  int n_vocab = 0, n_embd = 0, n_layer = 0, n_head = 0, n_head_kv = 0, head_dim = 0, n_ff = 0;
  int n_ctx = 0;  // context_length: the longest text
  float norm_eps = 1e-12f;
  int n_rot = 0;
  float rope_base = 10000.0f;
  float rope_freq_scale = 1.0f;
  bool causal = false;
  Pooling pooling = Pooling::kNone;  // the file's <arch>.pooling_type
  int n_cls_out = 1;                 // rows of cls.output (classifier.output_labels)
};

struct EncoderLayer {
  TensorView wq, wk, wv, wqkv, wo;
  TensorView bq, bk, bv, bo;
  TensorView attn_norm, q_norm, k_norm, ffn_norm;  // decoder (pre-norm)
  TensorView attn_out_norm, attn_out_norm_b;       // bert family (post-norm)
  TensorView ffn_up, ffn_up_b, ffn_gate, ffn_down, ffn_down_b;
  TensorView layer_out_norm, layer_out_norm_b;
};

struct EncoderModel {
  // Throws hearth::Error kUnsupported (not an embedding architecture) / kInvalidModel.
  static std::shared_ptr<const EncoderModel> load(std::shared_ptr<const GgufFile> file);

  std::shared_ptr<const GgufFile> file;
  std::shared_ptr<const Tokenizer> tokenizer;
  EncoderConfig c;
  TensorView token_embd, token_types, pos_embd, embd_norm, embd_norm_b;
  TensorView output_norm;                     // decoder
  TensorView cls, cls_b, cls_out, cls_out_b;  // rank heads (optional)
  std::vector<EncoderLayer> layers;
  std::shared_ptr<const uint8_t> packed;  // owns every TensorView::packed
};

// Whether `architecture` is one EncoderModel::load runs.
bool is_embedding_architecture(const std::string& architecture);
// bert, nomic-bert: no decoder weights (hearth::Model cannot load them).
bool is_encoder_architecture(const std::string& architecture);

}  // namespace embed
}  // namespace hearth

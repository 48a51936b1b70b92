// Attention over a packed batch of independent texts: every text attends only to its own
// tokens (all of them, or the ones up to itself when causal). f32 throughout — embedding
// models keep no KV cache, so there is no F16 cache to read from. Each (text, head) runs the
// kernel table's attend_f32 (src/kernels/<isa>/attend_f32_<isa>.cpp).
#pragma once

#include <vector>

namespace hearth {
class ThreadPool;
namespace embed {

struct Span {  // tokens [first, first + n) of the packed batch are one text
  int first = 0;
  int n = 0;
};

// q: [n_tok][n_head * head_dim], k, v: [n_tok][n_head_kv * head_dim] (row strides given),
// out: [n_tok][n_head * head_dim]. scale multiplies q·k before the softmax.
struct AttentionShape {
  int n_head, n_head_kv, head_dim;
  int q_stride, kv_stride;  // floats between consecutive tokens' rows
  float scale;
  bool causal;
};

void packed_attention(const AttentionShape& s, const std::vector<Span>& spans, const float* q,
                      const float* k, const float* v, float* out, ThreadPool* pool);

}  // namespace embed
}  // namespace hearth

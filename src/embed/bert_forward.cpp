// bert and nomic-bert layers: post-layer-norm blocks with non-causal attention.
//   bert:       q, k, v (+bias) -> attention -> out (+bias) -> +x -> LN -> up(+b) GELU
//               down(+b) -> +h -> LN
//   nomic-bert: fused qkv, NeoX RoPE on q and k, SwiGLU FFN (silu(gate) * up).
#include <cmath>

#include "core/thread_pool.hpp"
#include "embed/encoder_forward.hpp"
#include "embed/encoder_ops.hpp"
#include "model/matmul.hpp"

namespace hearth::embed {
namespace {

const float* f32(const TensorView& v) {
  return v ? reinterpret_cast<const float*>(v.data) : nullptr;
}

}  // namespace

void bert_layers(const EncoderModel& m, const std::vector<Span>& spans, std::vector<float>& x,
                 ThreadPool* pool) {
  const EncoderConfig& c = m.c;
  const int d = c.n_embd, ff = c.n_ff, q_dim = c.n_head * c.head_dim,
            kv_dim = c.n_head_kv * c.head_dim;
  const int n_tok = static_cast<int>(x.size() / d);
  const bool nomic = c.family == Family::kNomicBert;
  const int qkv_stride = q_dim + 2 * kv_dim;
  std::vector<float> qkv(static_cast<size_t>(n_tok) * qkv_stride);
  std::vector<float> attn(static_cast<size_t>(n_tok) * q_dim), h(static_cast<size_t>(n_tok) * d);
  std::vector<float> up(static_cast<size_t>(n_tok) * ff), gate(nomic ? up.size() : 0);
  std::vector<float> q, k, v;
  std::vector<int> pos(n_tok);
  for (const Span& s : spans)
    for (int i = 0; i < s.n; ++i) pos[s.first + i] = i;

  for (const EncoderLayer& l : m.layers) {
    const float *qp, *kp, *vp;
    int q_stride, kv_stride;
    if (l.wqkv) {
      matmul(l.wqkv, x.data(), qkv.data(), n_tok, pool);
      qp = qkv.data();
      kp = qkv.data() + q_dim;
      vp = qkv.data() + q_dim + kv_dim;
      q_stride = kv_stride = qkv_stride;
    } else {
      q.resize(static_cast<size_t>(n_tok) * q_dim);
      k.resize(static_cast<size_t>(n_tok) * kv_dim);
      v.resize(k.size());
      const MatmulOutput outs[] = {{&l.wq, q.data()}, {&l.wk, k.data()}, {&l.wv, v.data()}};
      matmul_shared_input(outs, 3, x.data(), n_tok, pool);
      qp = q.data();
      kp = k.data();
      vp = v.data();
      q_stride = q_dim;
      kv_stride = kv_dim;
    }
    float* qw = const_cast<float*>(qp);
    float* kw = const_cast<float*>(kp);
    float* vw = const_cast<float*>(vp);
    parallel_for(pool, n_tok, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        add_bias(qw + t * q_stride, q_dim, f32(l.bq));
        add_bias(kw + t * kv_stride, kv_dim, f32(l.bk));
        add_bias(vw + t * kv_stride, kv_dim, f32(l.bv));
        if (!nomic) continue;
        for (int hh = 0; hh < c.n_head; ++hh)
          rope_neox(qw + t * q_stride + hh * c.head_dim, c.n_rot, pos[t], c.rope_base,
                    c.rope_freq_scale);
        for (int hh = 0; hh < c.n_head_kv; ++hh)
          rope_neox(kw + t * kv_stride + hh * c.head_dim, c.n_rot, pos[t], c.rope_base,
                    c.rope_freq_scale);
      }
    });
    const AttentionShape shape{c.n_head,   c.n_head_kv,
                               c.head_dim, q_stride,
                               kv_stride,  1.0f / std::sqrt(static_cast<float>(c.head_dim)),
                               c.causal};
    packed_attention(shape, spans, qp, kp, vp, attn.data(), pool);
    matmul(l.wo, attn.data(), h.data(), n_tok, pool);
    parallel_for(pool, n_tok, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        float* ht = h.data() + t * d;
        const float* xt = x.data() + t * d;
        add_bias(ht, d, f32(l.bo));
        for (int i = 0; i < d; ++i) ht[i] += xt[i];
        layer_norm(ht, d, f32(l.attn_out_norm), f32(l.attn_out_norm_b), c.norm_eps);
      }
    });
    if (nomic) {
      const MatmulOutput outs[] = {{&l.ffn_gate, gate.data()}, {&l.ffn_up, up.data()}};
      matmul_shared_input(outs, 2, h.data(), n_tok, pool);
      parallel_for(pool, n_tok, [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; ++t) swiglu(gate.data() + t * ff, up.data() + t * ff, ff);
      });
      matmul(l.ffn_down, gate.data(), x.data(), n_tok, pool);
    } else {
      matmul(l.ffn_up, h.data(), up.data(), n_tok, pool);
      parallel_for(pool, n_tok, [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; ++t) {
          gelu(up.data() + t * ff, ff, f32(l.ffn_up_b));
        }
      });
      matmul(l.ffn_down, up.data(), x.data(), n_tok, pool);
    }
    parallel_for(pool, n_tok, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        float* xt = x.data() + t * d;
        const float* ht = h.data() + t * d;
        add_bias(xt, d, f32(l.ffn_down_b));
        for (int i = 0; i < d; ++i) xt[i] += ht[i];
        layer_norm(xt, d, f32(l.layer_out_norm), f32(l.layer_out_norm_b), c.norm_eps);
      }
    });
  }
}

}  // namespace hearth::embed

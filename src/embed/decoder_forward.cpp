// qwen3 layers for embedding: pre-RMSNorm blocks, per-head Q/K RMSNorm, NeoX RoPE, causal
// attention, SwiGLU; the final RMSNorm gives the hidden states that are pooled. K and V are
// rounded to F16 as llama.cpp's KV cache stores them, so the two see the same keys.
#include <cmath>

#include "core/thread_pool.hpp"
#include "embed/encoder_forward.hpp"
#include "embed/encoder_ops.hpp"
#include "hearth/quant.hpp"
#include "model/matmul.hpp"

namespace hearth::embed {
namespace {

const float* f32(const TensorView& v) {
  return v ? reinterpret_cast<const float*>(v.data) : nullptr;
}

void round_f16(float* x, int n) {
  for (int i = 0; i < n; ++i) x[i] = fp16_to_fp32(fp32_to_fp16(x[i]));
}

}  // namespace

void decoder_layers(const EncoderModel& m, const std::vector<Span>& spans, std::vector<float>& x,
                    ThreadPool* pool) {
  const EncoderConfig& c = m.c;
  const int d = c.n_embd, ff = c.n_ff, hd = c.head_dim, q_dim = c.n_head * hd,
            kv_dim = c.n_head_kv * hd;
  const int n_tok = static_cast<int>(x.size() / d);
  std::vector<float> h(static_cast<size_t>(n_tok) * d), q(static_cast<size_t>(n_tok) * q_dim);
  std::vector<float> k(static_cast<size_t>(n_tok) * kv_dim), v(k.size()), attn(q.size());
  std::vector<float> gate(static_cast<size_t>(n_tok) * ff), up(gate.size());
  std::vector<int> pos(n_tok);
  for (const Span& s : spans)
    for (int i = 0; i < s.n; ++i) pos[s.first + i] = i;
  auto normed = [&](const TensorView& w) {
    parallel_for(pool, n_tok, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        std::copy(x.begin() + t * d, x.begin() + (t + 1) * d, h.begin() + t * d);
        rms_norm(h.data() + t * d, d, f32(w), c.norm_eps);
      }
    });
  };
  for (const EncoderLayer& l : m.layers) {
    normed(l.attn_norm);
    const MatmulOutput outs[] = {{&l.wq, q.data()}, {&l.wk, k.data()}, {&l.wv, v.data()}};
    matmul_shared_input(outs, 3, h.data(), n_tok, pool);
    parallel_for(pool, n_tok, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        add_bias(q.data() + t * q_dim, q_dim, f32(l.bq));
        add_bias(k.data() + t * kv_dim, kv_dim, f32(l.bk));
        add_bias(v.data() + t * kv_dim, kv_dim, f32(l.bv));
        for (int hh = 0; hh < c.n_head; ++hh) {
          float* qh = q.data() + t * q_dim + hh * hd;
          if (l.q_norm) rms_norm(qh, hd, f32(l.q_norm), c.norm_eps);
          rope_neox(qh, c.n_rot, pos[t], c.rope_base, c.rope_freq_scale);
        }
        for (int hh = 0; hh < c.n_head_kv; ++hh) {
          float* kh = k.data() + t * kv_dim + hh * hd;
          if (l.k_norm) rms_norm(kh, hd, f32(l.k_norm), c.norm_eps);
          rope_neox(kh, c.n_rot, pos[t], c.rope_base, c.rope_freq_scale);
        }
        round_f16(k.data() + t * kv_dim, kv_dim);
        round_f16(v.data() + t * kv_dim, kv_dim);
      }
    });
    const AttentionShape shape{c.n_head, c.n_head_kv, hd,
                               q_dim,    kv_dim,      1.0f / std::sqrt(static_cast<float>(hd)),
                               c.causal};
    packed_attention(shape, spans, q.data(), k.data(), v.data(), attn.data(), pool);
    matmul(l.wo, attn.data(), h.data(), n_tok, pool);
    parallel_for(pool, static_cast<int64_t>(n_tok) * d, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) x[i] += h[i];
    });
    normed(l.ffn_norm);
    const MatmulOutput ffn[] = {{&l.ffn_gate, gate.data()}, {&l.ffn_up, up.data()}};
    matmul_shared_input(ffn, 2, h.data(), n_tok, pool);
    parallel_for(pool, n_tok, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) swiglu(gate.data() + t * ff, up.data() + t * ff, ff);
    });
    matmul(l.ffn_down, gate.data(), h.data(), n_tok, pool);
    parallel_for(pool, static_cast<int64_t>(n_tok) * d, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) x[i] += h[i];
    });
  }
  parallel_for(pool, n_tok, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) rms_norm(x.data() + t * d, d, f32(m.output_norm), c.norm_eps);
  });
}

}  // namespace hearth::embed

// The transformer forward pass over a batch of tokens (prefill or one decode step).
//
// Per layer (shapes for a batch of T tokens):
//   h = rmsnorm(x) * attn_norm                                  [T, n_embd]
//   q = h Wq^T (+bq), k = h Wk^T (+bk), v = h Wv^T (+bv)         [T, n_head*hd], [T, n_kv*hd]
//   qwen3: q, k per head = rmsnorm(head) * q_norm / k_norm
//   rope(q), rope(k); k, v -> F16 cache at positions p0..p0+T-1
//   a = softmax(q K^T / sqrt(hd), causal) V                    [T, n_head*hd]
//   x += a Wo^T
//   h = rmsnorm(x) * ffn_norm;  x += (silu(h Wg^T) * (h Wu^T)) Wd^T
// then logits = (rmsnorm(x) * output_norm) Wout^T for the rows asked for.
//
// Numerics mirror llama.cpp's CPU path where it matters for matching its logits: RMS sums in
// double, RoPE angles by repeated multiplication, K/V stored as F16, and its two flash-attention
// algorithms (see attend_f16acc / attend_tiled). Measured: this reproduces the reference logits
// bit for bit on several models (a two-pass softmax in F32 is ~1% off on TinyStories-656K).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/thread_pool.hpp"
#include "hearth/context.hpp"
#include "hearth/error.hpp"
#include "hearth/quant.hpp"
#include "kernels/kernel_table.hpp"
#include "model/matmul.hpp"

namespace hearth {
namespace {

const float* f32(const TensorView& t) {
  return reinterpret_cast<const float*>(t.data);
}

// out = x / rms(x) * w over n elements (in place allowed).
void rms_norm(const float* x, const float* w, float* out, int n, float eps) {
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += static_cast<double>(x[i]) * x[i];
  const float scale = 1.0f / std::sqrt(static_cast<float>(sum / n) + eps);
  for (int i = 0; i < n; ++i) out[i] = x[i] * scale * w[i];
}

void add_bias(float* y, const TensorView& b, int n_tok, int n) {
  if (!b) return;
  for (int t = 0; t < n_tok; ++t)
    for (int i = 0; i < n; ++i) y[static_cast<size_t>(t) * n + i] += f32(b)[i];
}

// Rotation angles for one position: cos/sin of theta_i = pos * base^(-2i/n_rot) (divided by the
// Llama-3 frequency factor, times the linear scale), i < n_rot / 2.
void rope_angles(const ModelConfig& c, const TensorView& freqs, int pos, float* cs, float* sn) {
  const float theta_scale = std::pow(c.rope_base, -2.0f / static_cast<float>(c.n_rot));
  float theta = static_cast<float>(pos);
  for (int i = 0; i < c.n_rot / 2; ++i) {
    const float ff = freqs ? f32(freqs)[i] : 1.0f;
    const float angle = c.rope_freq_scale * (theta / ff);
    cs[i] = std::cos(angle);
    sn[i] = std::sin(angle);
    theta *= theta_scale;
  }
}

// Rotates the first n_rot dims of each of n_heads heads of size hd.
void rope(const ModelConfig& c, float* x, int n_heads, const float* cs, const float* sn) {
  const int hd = c.head_dim, half = c.n_rot / 2;
  for (int h = 0; h < n_heads; ++h) {
    float* v = x + static_cast<size_t>(h) * hd;
    for (int i = 0; i < half; ++i) {
      // Normal: pairs (2i, 2i+1). NeoX: pairs (i, i + n_rot/2).
      const int a = c.rope_style == RopeStyle::kNormal ? 2 * i : i;
      const int b = c.rope_style == RopeStyle::kNormal ? 2 * i + 1 : i + half;
      const float x0 = v[a], x1 = v[b];
      v[a] = x0 * cs[i] - x1 * sn[i];
      v[b] = x0 * sn[i] + x1 * cs[i];
    }
  }
}

// llama.cpp's CPU flash attention for small batches (one query row at a time): Q rounded to F16,
// one pass with a running max M and sum S, and the V accumulator kept in F16 (rounded after
// every update). n_rows query rows (q_stride apart) share K/V (the query heads of one KV head);
// K/V rows are kv_stride apart; n_kv cells are visible. out: [n_rows][hd]; qh: [n_rows][hd].
void attend_f16acc(const kernels::KernelTable& ktab, const float* q, int n_rows, int q_stride,
                   const uint16_t* K, const uint16_t* V, int kv_stride, int n_kv, int hd,
                   float scale, float* out, uint16_t* acc, uint16_t* qh) {
  for (int r = 0; r < n_rows; ++r)
    ktab.convert[static_cast<int>(DType::F16)](q + r * q_stride, qh + r * hd, hd);
  if (ktab.attention.attend_rows_f16acc &&
      ktab.attention.attend_rows_f16acc(qh, n_rows, K, V, kv_stride, n_kv, hd, scale, out))
    return;
  const kernels::VecDotFn dot_f16 = ktab.vec_dot[static_cast<int>(DType::F16)];
  for (int r = 0; r < n_rows; ++r) {
    std::fill(acc, acc + hd, uint16_t{0});
    float M = -INFINITY, S = 0;
    for (int j = 0; j < n_kv; ++j) {
      const uint16_t* kj = K + static_cast<size_t>(j) * kv_stride;
      const float sv = dot_f16(qh + r * hd, kj, hd) * scale;
      float ms = 1.0f, vs = 1.0f;
      if (sv > M) {
        ms = std::exp(M - sv);
        M = sv;
        ktab.attention.scale_f16(acc, ms, hd);
      } else {
        vs = std::exp(sv - M);
      }
      ktab.attention.axpy_f16_f16(vs, V + static_cast<size_t>(j) * kv_stride, acc, hd);
      S = S * ms + vs;
    }
    for (int i = 0; i < hd; ++i) out[r * hd + i] = fp16_to_fp32(acc[i]) / S;
  }
}

// Four independent chains instead of one: these loops run once per 64-cell tile of every
// (token, head) and were bound by the latency of the serial chain. The max is exact whatever
// the order; the double sum of floats changes by ~1e-16 relative.
float max_of(const float* s, int n) {
  float m[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
  int j = 0;
  for (; j + 4 <= n; j += 4)
    for (int l = 0; l < 4; ++l) m[l] = std::max(m[l], s[j + l]);
  for (; j < n; ++j) m[0] = std::max(m[0], s[j]);
  return std::max(std::max(m[0], m[1]), std::max(m[2], m[3]));
}
double sum_in_double(const float* s, int n) {
  double d[4] = {0, 0, 0, 0};
  int j = 0;
  for (; j + 4 <= n; j += 4)
    for (int l = 0; l < 4; ++l) d[l] += s[j + l];
  for (; j < n; ++j) d[0] += s[j];
  return (d[0] + d[1]) + (d[2] + d[3]);
}

// llama.cpp's tiled CPU flash attention, used for micro-batches of kTiledMinRows rows or more:
// F32 Q, KV in tiles of 64 cells, per-tile max, softmax sums in double, F32 accumulator.
constexpr int kTiledMinRows = 64;
constexpr int kKvTile = 64;
void attend_tiled(const kernels::KernelTable& ktab, const float* q, const uint16_t* K,
                  const uint16_t* V, int kv_stride, int n_kv, int hd, float scale, float* out,
                  float* acc) {
  float s[kKvTile];
  std::fill(acc, acc + hd, 0.0f);
  float M = -INFINITY;
  double S = 0;
  for (int j0 = 0; j0 < n_kv; j0 += kKvTile) {
    const int n = std::min(kKvTile, n_kv - j0);
    const uint16_t* Kt = K + static_cast<size_t>(j0) * kv_stride;
    const uint16_t* Vt = V + static_cast<size_t>(j0) * kv_stride;
    if (!ktab.attention.tile_scores ||
        !ktab.attention.tile_scores(q, Kt, kv_stride, n, hd, scale, s))
      for (int j = 0; j < n; ++j)
        s[j] = ktab.attention.dot_f32_f16(q, Kt + static_cast<size_t>(j) * kv_stride, hd) * scale;
    const float M_new = std::max(M, max_of(s, n));
    const float ms = std::exp(M - M_new);
    for (int j = 0; j < n; ++j) s[j] -= M_new;
    ktab.exp_f32(s, s, n);
    const double tile_sum = sum_in_double(s, n);
    S = S * ms + tile_sum;
    // acc[i] = fma over j of s[j] * V[j][i], after acc[i] * ms: row by row over j keeps each
    // element's order of operations.
    if (!ktab.attention.tile_accumulate ||
        !ktab.attention.tile_accumulate(s, Vt, kv_stride, n, hd, ms, acc)) {
      for (int i = 0; i < hd; ++i) acc[i] *= ms;
      for (int j = 0; j < n; ++j)
        ktab.attention.axpy_f16(s[j], Vt + static_cast<size_t>(j) * kv_stride, acc, hd);
    }
    M = M_new;
  }
  for (int i = 0; i < hd; ++i) out[i] = static_cast<float>(acc[i] / S);
}

}  // namespace

void Context::forward(const int32_t* tokens, int n_tok, bool want_all, float* out_logits) {
  const ModelConfig& c = model_->config();
  const Model& m = *model_;
  const kernels::KernelTable& ktab = kernels::active_kernels();
  const kernels::ConvertFn to_f16 = ktab.convert[static_cast<int>(DType::F16)];
  ThreadPool* pool = pool_.get();
  const int n_embd = c.n_embd, hd = c.head_dim;
  const int q_dim = c.n_head * hd, kv_dim = c.n_head_kv * hd;
  const int p0 = n_past_;
  const size_t T = static_cast<size_t>(n_tok);

  std::vector<float> x(T * n_embd), h(T * n_embd), q(T * q_dim), k(T * kv_dim), v(T * kv_dim);
  std::vector<float> att(T * q_dim), g(T * c.n_ff), u(T * c.n_ff);
  std::vector<float> cs(T * (c.n_rot / 2)), sn(T * (c.n_rot / 2));

  for (size_t t = 0; t < T; ++t) {
    dequantize_row(m.token_embd.type, m.token_embd.row(tokens[t]), x.data() + t * n_embd,
                   static_cast<size_t>(n_embd));
    rope_angles(c, m.rope_freqs, p0 + static_cast<int>(t), cs.data() + t * (c.n_rot / 2),
                sn.data() + t * (c.n_rot / 2));
  }

  const float kq_scale = 1.0f / std::sqrt(static_cast<float>(hd));
  for (int il = 0; il < c.n_layer; ++il) {
    const LayerWeights& L = m.layers[il];
    for (size_t t = 0; t < T; ++t)
      rms_norm(&x[t * n_embd], f32(L.attn_norm), &h[t * n_embd], n_embd, c.rms_eps);
    matmul(L.wq, h.data(), q.data(), n_tok, pool);
    matmul(L.wk, h.data(), k.data(), n_tok, pool);
    matmul(L.wv, h.data(), v.data(), n_tok, pool);
    add_bias(q.data(), L.bq, n_tok, q_dim);
    add_bias(k.data(), L.bk, n_tok, kv_dim);
    add_bias(v.data(), L.bv, n_tok, kv_dim);
    // Per-token work on several threads for batches (elementwise: no change in numerics).
    const int64_t tok_grain = n_tok >= 16 ? 4 : n_tok;
    parallel_for(
        pool, n_tok,
        [&](int64_t t0, int64_t t1) {
          for (size_t t = static_cast<size_t>(t0); t < static_cast<size_t>(t1); ++t) {
            float* qt = &q[t * q_dim];
            float* kt = &k[t * kv_dim];
            if (c.qk_norm) {
              for (int hh = 0; hh < c.n_head; ++hh)
                rms_norm(qt + hh * hd, f32(L.q_norm), qt + hh * hd, hd, c.rms_eps);
              for (int hh = 0; hh < c.n_head_kv; ++hh)
                rms_norm(kt + hh * hd, f32(L.k_norm), kt + hh * hd, hd, c.rms_eps);
            }
            const float* ct = &cs[t * (c.n_rot / 2)];
            const float* st = &sn[t * (c.n_rot / 2)];
            rope(c, qt, c.n_head, ct, st);
            rope(c, kt, c.n_head_kv, ct, st);
            uint16_t* kc = &k_cache_[il][static_cast<size_t>(p0 + t) * kv_dim];
            uint16_t* vc = &v_cache_[il][static_cast<size_t>(p0 + t) * kv_dim];
            to_f16(kt, kc, kv_dim);
            to_f16(&v[t * kv_dim], vc, kv_dim);
          }
        },
        tok_grain);

    // Attention, one (token, head) pair per task, the last tokens first: their causal spans are
    // the longest, and taking them first keeps the chunks of the two threads balanced.
    const int group = c.n_head / c.n_head_kv;
    const uint16_t* K = k_cache_[il].data();
    const uint16_t* V = v_cache_[il].data();
    // The one-row algorithm takes the consecutive heads of a chunk that share a token and a KV
    // head in one call (independent chains interleaved); for one token (decode), one chunk per
    // thread keeps those runs long. Equal chunks: the tasks come in decreasing cost.
    const bool tiled = n_tok >= kTiledMinRows;
    const int64_t n_tasks = static_cast<int64_t>(T) * c.n_head;
    const int64_t threads = pool ? pool->size() : 1;
    const int64_t att_grain = n_tok == 1 ? (n_tasks + threads - 1) / threads : 1;
    parallel_for(
        pool, n_tasks,
        [&](int64_t b, int64_t e) {
          std::vector<float> o(static_cast<size_t>(group) * hd), acc32(hd);
          std::vector<uint16_t> acc(hd), qh(static_cast<size_t>(group) * hd);
          for (int64_t task = b; task < e;) {
            const int t = n_tok - 1 - static_cast<int>(task / c.n_head);
            const int hh = static_cast<int>(task % c.n_head);
            const int kvh = hh / group, n_kv = p0 + t + 1;  // causal: positions 0..p0+t
            // Heads hh..hh+rows-1: this chunk's, of this token and KV head.
            const int rows =
                tiled ? 1 : static_cast<int>(std::min<int64_t>(e - task, (kvh + 1) * group - hh));
            const float* qt = &q[static_cast<size_t>(t) * q_dim + hh * hd];
            const uint16_t* Kh = K + kvh * hd;
            const uint16_t* Vh = V + kvh * hd;
            if (tiled)
              attend_tiled(ktab, qt, Kh, Vh, kv_dim, n_kv, hd, kq_scale, o.data(), acc32.data());
            else
              attend_f16acc(ktab, qt, rows, hd, Kh, Vh, kv_dim, n_kv, hd, kq_scale, o.data(),
                            acc.data(), qh.data());
            std::copy(o.begin(), o.begin() + static_cast<size_t>(rows) * hd,
                      &att[static_cast<size_t>(t) * q_dim + hh * hd]);
            task += rows;
          }
        },
        att_grain, Schedule::kEqualChunks);

    matmul(L.wo, att.data(), h.data(), n_tok, pool);
    for (size_t i = 0; i < T * n_embd; ++i) x[i] += h[i];

    for (size_t t = 0; t < T; ++t)
      rms_norm(&x[t * n_embd], f32(L.ffn_norm), &h[t * n_embd], n_embd, c.rms_eps);
    matmul(L.ffn_gate, h.data(), g.data(), n_tok, pool);
    matmul(L.ffn_up, h.data(), u.data(), n_tok, pool);
    parallel_for(
        pool, static_cast<int64_t>(T) * c.n_ff,
        [&](int64_t b, int64_t e) {
          // silu(g) * u, the exponentials vectorized 256 at a time.
          float ex[256];
          for (int64_t i0 = b; i0 < e; i0 += 256) {
            const int64_t n = std::min<int64_t>(256, e - i0);
            for (int64_t i = 0; i < n; ++i) ex[i] = -g[i0 + i];
            ktab.exp_f32(ex, ex, n);
            for (int64_t i = 0; i < n; ++i) g[i0 + i] = g[i0 + i] / (1.0f + ex[i]) * u[i0 + i];
          }
        },
        4096);
    matmul(L.ffn_down, g.data(), h.data(), n_tok, pool);
    for (size_t i = 0; i < T * n_embd; ++i) x[i] += h[i];
  }
  n_past_ = p0 + n_tok;

  if (!out_logits) return;
  // Only the rows whose logits are wanted go through the (large) output matrix.
  const int first = want_all ? 0 : n_tok - 1;
  const int n_out = n_tok - first;
  for (int t = first; t < n_tok; ++t)
    rms_norm(&x[static_cast<size_t>(t) * n_embd], f32(m.output_norm),
             &h[static_cast<size_t>(t - first) * n_embd], n_embd, c.rms_eps);
  matmul(m.output, h.data(), out_logits, n_out, pool);
}

}  // namespace hearth

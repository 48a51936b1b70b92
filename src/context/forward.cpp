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
// algorithms (attention.cpp). Measured: this reproduces the reference logits
// bit for bit on several models (a two-pass softmax in F32 is ~1% off on TinyStories-656K).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "context/attention.hpp"
#include "context/forward_batch.hpp"
#include "core/thread_pool.hpp"
#include "hearth/context.hpp"
#include "hearth/error.hpp"
#include "hearth/quant.hpp"
#include "kernels/kernel_table.hpp"
#include "kernels/packed_rows.hpp"
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

// rms_norm of rows [r0, r1) of x (rows n apart) into out. Each row's sum is rms_norm's chain
// (doubles, index order); four rows run interleaved, so their independent chains overlap the
// adds' latency (the serial part of a decode step's layer) without changing any result.
void rms_norm_rows(const float* x, const float* w, float* out, int64_t r0, int64_t r1, int n,
                   float eps) {
  constexpr int kRows = 4;
  int64_t r = r0;
  for (; r + kRows <= r1; r += kRows) {
    const float* xr[kRows];
    double sum[kRows];
    for (int k = 0; k < kRows; ++k) {
      xr[k] = x + (r + k) * n;
      sum[k] = 0;
    }
    for (int i = 0; i < n; ++i)
      for (int k = 0; k < kRows; ++k) sum[k] += static_cast<double>(xr[k][i]) * xr[k][i];
    for (int k = 0; k < kRows; ++k) {
      const float scale = 1.0f / std::sqrt(static_cast<float>(sum[k] / n) + eps);
      float* o = out + (r + k) * n;
      for (int i = 0; i < n; ++i) o[i] = xr[k][i] * scale * w[i];
    }
  }
  for (; r < r1; ++r) rms_norm(x + r * n, w, out + r * n, n, eps);
}

// rms_norm of every token's row; long batches (prefill) on the pool's threads too.
void rms_norm_tokens(ThreadPool* pool, const float* x, const float* w, float* out, int n_tok, int n,
                     float eps) {
  parallel_for(
      pool, n_tok, [&](int64_t t0, int64_t t1) { rms_norm_rows(x, w, out, t0, t1, n, eps); }, 32);
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

// Token `token`'s row of the embedding matrix, in the file's row layout. Tied embeddings (the
// output matrix is token_embd) read it from the output's R16 copy, which is resident anyway: the
// loader released the file pages it copied, and reading rows there again faulted them back in
// with their neighbours (the kernel maps 16 pages around a fault, or a whole 2 MiB folio where
// the file system caches large ones), which put the file's embedding pages back in resident
// memory a prompt at a time (+34 MiB on qwen2.5-0.5b Q8_0 after a 512-token prompt, +125 MiB on
// llama3.2-1b). Same bytes either way.
const uint8_t* embedding_row(const Model& m, int token, std::vector<uint8_t>& buffer) {
  const TensorView& e = m.token_embd;
  const TensorView& out = m.output;
  if (out.packed && out.data == e.data &&
      token < out.n_out / kernels::kPackedRows * kernels::kPackedRows) {
    buffer.resize(e.row_bytes);
    kernels::unpack_row16(e.type, out.packed, e.row_bytes, e.n_in, token, buffer.data());
    return buffer.data();
  }
  return e.row(token);
}

// Tokens per chunk of the feed-forward block: its two [tokens][n_ff] buffers (the largest of
// the pass) stay within kFfnBytes, in equal chunks that are multiples of 16 tokens. A 512-token
// prompt of llama3.2-1b (n_ff 8192) needed 32 MiB for them: two chunks put peak memory 16 MiB
// lower, for one more read of the feed-forward weights per layer (chunks of 256 tokens reuse
// each weight as well as 512 do). The results do not depend on the chunking: every matmul row
// is per token.
int ffn_chunk_tokens(int n_tok, int n_ff) {
  constexpr size_t kFfnBytes = size_t{24} << 20;
  const size_t per_token = 2 * sizeof(float) * static_cast<size_t>(n_ff);
  const int fit = static_cast<int>(std::max<size_t>(16, kFfnBytes / per_token));
  if (n_tok <= fit) return n_tok;
  const int chunks = (n_tok + fit - 1) / fit;
  return ((n_tok + chunks - 1) / chunks + 15) / 16 * 16;
}

}  // namespace

namespace fwd {

void forward_batch(const Model& m, ThreadPool* pool, const int32_t* tokens, int n_tok,
                   const SeqSlice* seqs, int n_seqs, KvStore& kv, const int* logit_rows,
                   int n_logit_rows, float* out_logits) {
  const ModelConfig& c = m.config();
  const kernels::KernelTable& ktab = kernels::active_kernels();
  const kernels::ConvertFn to_f16 = ktab.convert[static_cast<int>(DType::F16)];
  const int n_embd = c.n_embd, hd = c.head_dim;
  const int q_dim = c.n_head * hd, kv_dim = c.n_head_kv * hd;
  const size_t T = static_cast<size_t>(n_tok);

  std::vector<float> x(T * n_embd), h(T * n_embd), q(T * q_dim), k(T * kv_dim), v(T * kv_dim);
  const int ffn_tokens = ffn_chunk_tokens(n_tok, c.n_ff);
  std::vector<float> g(static_cast<size_t>(ffn_tokens) * c.n_ff),
      u(static_cast<size_t>(ffn_tokens) * c.n_ff);
  // Attention writes each (token, head) result over that head's query, which no other task
  // reads and its own task reads first (attention.hpp: both algorithms copy their query rows
  // before they write): one [T][q_dim] buffer less.
  std::vector<float>& att = q;
  std::vector<float> cs(T * (c.n_rot / 2)), sn(T * (c.n_rot / 2));
  // Per batch token: its sequence and position.
  std::vector<int> seq_of(T), pos_of(T);
  for (int s = 0; s < n_seqs; ++s)
    for (int i = 0; i < seqs[s].n_tok; ++i) {
      seq_of[seqs[s].first + i] = s;
      pos_of[seqs[s].first + i] = seqs[s].p0 + i;
    }

  std::vector<uint8_t> embd_row;
  for (size_t t = 0; t < T; ++t) {
    dequantize_row(m.token_embd.type, embedding_row(m, tokens[t], embd_row), x.data() + t * n_embd,
                   static_cast<size_t>(n_embd));
    rope_angles(c, m.rope_freqs, pos_of[t], cs.data() + t * (c.n_rot / 2),
                sn.data() + t * (c.n_rot / 2));
  }

  // Per sequence: its block table (rebuilt per layer) and the one-row attention jobs.
  std::vector<std::vector<const uint16_t*>> k_bases(n_seqs), v_bases(n_seqs);
  std::vector<kernels::KvBlocks> kv_blocks(n_seqs);
  std::vector<attention::RowJob> row_jobs;
  row_jobs.reserve(T);

  for (int il = 0; il < c.n_layer; ++il) {
    const LayerWeights& L = m.layers[il];
    rms_norm_tokens(pool, x.data(), f32(L.attn_norm), h.data(), n_tok, n_embd, c.rms_eps);
    const MatmulOutput qkv[] = {{&L.wq, q.data()}, {&L.wk, k.data()}, {&L.wv, v.data()}};
    matmul_shared_input(qkv, 3, h.data(), n_tok, pool);
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
            to_f16(kt, kv.k_row(seq_of[t], il, pos_of[t]), kv_dim);
            to_f16(&v[t * kv_dim], kv.v_row(seq_of[t], il, pos_of[t]), kv_dim);
          }
        },
        tok_grain);

    // Attention per sequence over its own blocks, in runs of tokens that share an algorithm:
    // the tiled runs (long prompt chunks) one at a time, the one-row tokens of every sequence
    // (the decoding ones) together in one parallel loop.
    row_jobs.clear();
    for (int s = 0; s < n_seqs; ++s) {
      const SeqSlice& sl = seqs[s];
      if (sl.n_tok == 0) continue;
      kernels::KvBlocks& kb = kv_blocks[s];
      kb.block_tokens = kv.blocks(s, il, sl.p0 + sl.n_tok, k_bases[s], v_bases[s]);
      kb.k = k_bases[s].data();
      kb.v = v_bases[s].data();
      kb.stride = kv_dim;
      auto tiled_at = [&](int i) {
        return sl.tiled ? sl.tiled[i] != 0 : sl.n_tok >= attention::kTiledMinRows;
      };
      for (int a = 0; a < sl.n_tok;) {
        int b = a + 1;
        while (b < sl.n_tok && tiled_at(b) == tiled_at(a)) ++b;
        const size_t row = static_cast<size_t>(sl.first + a) * q_dim;
        if (tiled_at(a)) {
          attention::attend_chunk(c, pool, &q[row], &att[row], sl.p0 + a, b - a, true, kb);
        } else {
          for (int t = a; t < b; ++t) {
            const size_t r = static_cast<size_t>(sl.first + t) * q_dim;
            row_jobs.push_back({&q[r], &att[r], sl.p0 + t + 1, &kb});  // causal: 0..p0+t
          }
        }
        a = b;
      }
    }
    // The attention is compute-bound and the matmuls after it memory-bound, but prefetching
    // this layer's o-proj and feed-forward weights (and the next q/k/v) from the attention
    // kernel's inner loop was measured slower (engine, 8 decoding sequences of smollm2-135m
    // Q8_0, 2 threads, Zen 5: ~690 against ~780 tok/s): the attention lost more to the DRAM
    // traffic than the matmuls gained.
    attention::attend_rows(c, pool, row_jobs.data(), static_cast<int>(row_jobs.size()));

    matmul(L.wo, att.data(), h.data(), n_tok, pool);
    for (size_t i = 0; i < T * n_embd; ++i) x[i] += h[i];

    rms_norm_tokens(pool, x.data(), f32(L.ffn_norm), h.data(), n_tok, n_embd, c.rms_eps);
    // The feed-forward block in chunks of ffn_tokens tokens (one chunk unless the batch is a
    // long prompt): each chunk's down projection overwrites only its own rows of h.
    for (int t0 = 0; t0 < n_tok; t0 += ffn_tokens) {
      const int nt = std::min(ffn_tokens, n_tok - t0);
      float* ht = h.data() + static_cast<size_t>(t0) * n_embd;
      const MatmulOutput gate_up[] = {{&L.ffn_gate, g.data()}, {&L.ffn_up, u.data()}};
      matmul_shared_input(gate_up, 2, ht, nt, pool);
      parallel_for(
          pool, static_cast<int64_t>(nt) * c.n_ff,
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
      matmul(L.ffn_down, g.data(), ht, nt, pool);
    }
    for (size_t i = 0; i < T * n_embd; ++i) x[i] += h[i];
  }

  if (n_logit_rows == 0) return;
  // Only the rows whose logits are wanted go through the (large) output matrix.
  for (int i = 0; i < n_logit_rows; ++i)
    rms_norm(&x[static_cast<size_t>(logit_rows[i]) * n_embd], f32(m.output_norm),
             &h[static_cast<size_t>(i) * n_embd], n_embd, c.rms_eps);
  matmul(m.output, h.data(), out_logits, n_logit_rows, pool);
}

}  // namespace fwd

// Context's cache (context.hpp) as the forward pass sees it: one block per layer.
class Context::KvView final : public fwd::KvStore {
 public:
  explicit KvView(const Context& ctx) : ctx_(ctx) {}
  uint16_t* k_row(int, int layer, int pos) override { return ctx_.k_rows(layer) + row(pos); }
  uint16_t* v_row(int, int layer, int pos) override { return ctx_.v_rows(layer) + row(pos); }
  int blocks(int, int layer, int n, std::vector<const uint16_t*>& k,
             std::vector<const uint16_t*>& v) override {
    k.assign(1, ctx_.k_rows(layer));
    v.assign(1, ctx_.v_rows(layer));
    return n;  // the whole cache is one block
  }

 private:
  size_t row(int pos) const { return static_cast<size_t>(pos) * ctx_.kv_row_halves_; }
  const Context& ctx_;
};

void Context::forward(const int32_t* tokens, int n_tok, bool want_all, float* out_logits) {
  kv_reserve(n_past_ + n_tok);
  KvView kv(*this);
  const fwd::SeqSlice seq{0, n_tok, n_past_, nullptr};
  std::vector<int> rows;
  if (out_logits)
    for (int t = want_all ? 0 : n_tok - 1; t < n_tok; ++t) rows.push_back(t);
  fwd::forward_batch(*model_, pool_.get(), tokens, n_tok, &seq, 1, kv, rows.data(),
                     static_cast<int>(rows.size()), out_logits);
  n_past_ += n_tok;
}

}  // namespace hearth

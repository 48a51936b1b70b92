// The two attention algorithms (see attention.hpp), moved here unchanged from forward.cpp.
#include "context/attention.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/thread_pool.hpp"
#include "hearth/quant.hpp"
#include "kernels/kernel_table.hpp"

namespace hearth::attention {
namespace {

// llama.cpp's CPU flash attention for small batches (one query row at a time): Q rounded to F16,
// one pass with a running max M and sum S, and the V accumulator kept in F16 (rounded after
// every update). n_rows query rows (q_stride apart) share K/V (the query heads of one KV head,
// kv.offset selecting it); n_kv cells are visible. out: [n_rows][hd]; qh: [n_rows][hd].
void attend_f16acc(const kernels::KernelTable& ktab, const float* q, int n_rows, int q_stride,
                   const kernels::KvBlocks& kv, int n_kv, int hd, float scale, float* out,
                   uint16_t* acc, uint16_t* qh) {
  for (int r = 0; r < n_rows; ++r)
    ktab.convert[static_cast<int>(DType::F16)](q + r * q_stride, qh + r * hd, hd);
  if (ktab.attention.attend_rows_f16acc &&
      ktab.attention.attend_rows_f16acc(qh, n_rows, kv, n_kv, hd, scale, out))
    return;
  const kernels::VecDotFn dot_f16 = ktab.vec_dot[static_cast<int>(DType::F16)];
  for (int r = 0; r < n_rows; ++r) {
    std::fill(acc, acc + hd, uint16_t{0});
    float M = -INFINITY, S = 0;
    // Per cell: raised = sv > M, ms = exp(M - sv) (rescale) or vs = exp(sv - M) (weight) with
    // the table's exp_f32 (llama.cpp: expf), M = max. The exps of 16 cells go in one call;
    // each cell's arguments depend on the scores only, so the order of operations is unchanged.
    for (int j0 = 0; j0 < n_kv; j0 += 16) {
      const int n = std::min(16, n_kv - j0);
      float e[16];
      bool raised[16];
      for (int jj = 0; jj < n; ++jj) {
        const float sv = dot_f16(qh + r * hd, kv.k_row(j0 + jj), hd) * scale;
        raised[jj] = sv > M;
        e[jj] = raised[jj] ? M - sv : sv - M;
        if (raised[jj]) M = sv;
      }
      ktab.exp_f32(e, e, n);
      for (int jj = 0; jj < n; ++jj) {
        const float ms = raised[jj] ? e[jj] : 1.0f, vs = raised[jj] ? 1.0f : e[jj];
        if (raised[jj]) ktab.attention.scale_f16(acc, ms, hd);
        ktab.attention.axpy_f16_f16(vs, kv.v_row(j0 + jj), acc, hd);
        S = S * ms + vs;
      }
    }
    for (int i = 0; i < hd; ++i) out[r * hd + i] = fp16_to_fp32(acc[i]) / S;
  }
}

// llama.cpp's tiled CPU flash attention, used for micro-batches of kTiledMinRows rows or more:
// F32 Q, KV in tiles of 64 cells, per-tile max, softmax sums in double, F32 accumulator. It runs
// a block of query rows at once (the heads of one GQA group times up to kTokenBlock tokens), so
// that each K/V tile is converted from F16 once per block, not once per row; every row keeps
// the operations of the one-row algorithm, so its result does not depend on the blocking.
constexpr int kKvTile = 64;
constexpr int kTokenBlock = 16;

// Per-thread buffers of attend_tiled, for n_rows (padded) rows of hd.
struct TiledScratch {
  std::vector<float> qt, st, acc, M, ms;
  std::vector<uint16_t> kt, vt;  // a KV tile that spans blocks, gathered [kKvTile][hd]
  std::vector<double> S, d;
  std::vector<int> n_kv, n_cells;
  void resize(int n_rows, int hd) {
    const size_t r = static_cast<size_t>(n_rows);
    qt.assign(r * hd, 0.0f);
    st.resize(r * kKvTile);
    acc.assign(r * hd, 0.0f);
    M.assign(r, -INFINITY);
    ms.resize(r);
    S.assign(r, 0.0);
    d.resize(4 * r);
    n_kv.assign(r, 0);
    n_cells.resize(r);
  }
};

// sum_in_double of the one-row algorithm: four chains by j % 4 over the cells below the last
// multiple of 4, the rest on chain 0, (d0 + d1) + (d2 + d3). x: n values `stride` apart.
double sum_in_double(const float* x, int n, int stride) {
  double d[4] = {0, 0, 0, 0};
  const int n4 = n & ~3;
  for (int j = 0; j < n4; ++j) d[j & 3] += x[static_cast<size_t>(j) * stride];
  for (int j = n4; j < n; ++j) d[0] += x[static_cast<size_t>(j) * stride];
  return (d[0] + d[1]) + (d[2] + d[3]);
}

// The softmax step of one tile for every row of the block. st holds the scores [n][n_rows]
// and leaves with the weights, zero past each row's n_cells. Per row what the one-row
// algorithm did: M_new = max(M, max of the visible scores), ms = exp(M - M_new), s = exp(s -
// M_new) (the table's exp, elementwise), the tile sum as sum_in_double. The loops run over all
// n cells with rows innermost (so they vectorize); the cells a row does not see are set to
// -inf for the max and to zero for the sums, which leaves the maxima and chains unchanged,
// and the few rows whose span ends off a multiple of 4 get their sum again in order.
void tile_softmax(const kernels::KernelTable& ktab, int n_rows, int n, TiledScratch& w) {
  float* st = w.st.data();
  const int* nc = w.n_cells.data();
  float* mx = w.ms.data();  // the tile's max first, then ms
  auto for_hidden_cells = [&](float value) {
    for (int r = 0; r < n_rows; ++r)
      for (int j = nc[r]; j < n; ++j) st[static_cast<size_t>(j) * n_rows + r] = value;
  };
  for_hidden_cells(-INFINITY);
  std::fill(mx, mx + n_rows, -INFINITY);
  for (int j = 0; j < n; ++j) {
    const float* sj = st + static_cast<size_t>(j) * n_rows;
    for (int r = 0; r < n_rows; ++r) mx[r] = std::max(mx[r], sj[r]);
  }
  float* M = w.M.data();
  for (int r = 0; r < n_rows; ++r) {
    if (nc[r] == 0) {  // the tile lies past this row's causal span: nothing changes
      mx[r] = 1.0f;
      continue;
    }
    const float M_new = std::max(M[r], mx[r]);
    mx[r] = M_new == M[r] ? 1.0f : std::exp(M[r] - M_new);
    M[r] = M_new;
  }
  for (int j = 0; j < n; ++j) {
    float* sj = st + static_cast<size_t>(j) * n_rows;
    for (int r = 0; r < n_rows; ++r) sj[r] -= M[r];
  }
  ktab.exp_f32(st, st, static_cast<int64_t>(n) * n_rows);
  for_hidden_cells(0.0f);
  double* d0 = w.d.data();
  std::fill(d0, d0 + 4 * static_cast<size_t>(n_rows), 0.0);
  for (int j = 0; j < n; ++j) {
    const float* sj = st + static_cast<size_t>(j) * n_rows;
    double* dc = d0 + static_cast<size_t>(j & 3) * n_rows;
    for (int r = 0; r < n_rows; ++r) dc[r] += sj[r];
  }
  const double* d1 = d0 + n_rows;
  const double* d2 = d1 + n_rows;
  const double* d3 = d2 + n_rows;
  double* S = w.S.data();
  for (int r = 0; r < n_rows; ++r) {
    if (nc[r] == 0) continue;
    const double tile_sum =
        nc[r] % 4 == 0 ? (d0[r] + d1[r]) + (d2[r] + d3[r]) : sum_in_double(st + r, nc[r], n_rows);
    S[r] = S[r] * mx[r] + tile_sum;
  }
}

// Cells j0..j0+n-1 of kv for the block kernels, which take rows at a fixed stride: in place
// when they lie in one block (a contiguous cache: always), else gathered into w.kt / w.vt (the
// engine's 16-cell blocks: 64 cells x hd halves per tile, not the whole sequence).
void tile_rows(const kernels::KvBlocks& kv, int j0, int n, int hd, TiledScratch& w,
               const uint16_t** K, const uint16_t** V, int64_t* stride) {
  const int first = j0 % kv.block_tokens;
  if (first + n <= kv.block_tokens) {
    *K = kv.k_row(j0);
    *V = kv.v_row(j0);
    *stride = kv.stride;
    return;
  }
  w.kt.resize(static_cast<size_t>(kKvTile) * hd);
  w.vt.resize(static_cast<size_t>(kKvTile) * hd);
  for (int j = 0; j < n; ++j) {
    std::copy_n(kv.k_row(j0 + j), hd, &w.kt[static_cast<size_t>(j) * hd]);
    std::copy_n(kv.v_row(j0 + j), hd, &w.vt[static_cast<size_t>(j) * hd]);
  }
  *K = w.kt.data();
  *V = w.vt.data();
  *stride = hd;
}

// Tokens t0..t0+nt-1 of the batch (positions p0 + t), query heads h0..h0+group-1 (one KV
// head: kv.offset selects it), q and out rows q_dim apart: [n_tok][n_head * hd].
void attend_tiled(const kernels::KernelTable& ktab, const float* q, int q_dim, int p0, int t0,
                  int nt, int h0, int group, const kernels::KvBlocks& kv, int hd, float scale,
                  float* out, TiledScratch& w) {
  const int rows = nt * group;
  const int n_rows = (rows + kernels::kAttentionRowAlign - 1) / kernels::kAttentionRowAlign *
                     kernels::kAttentionRowAlign;
  w.resize(n_rows, hd);
  auto q_row = [&](int r) {
    return (t0 + r / group) * static_cast<size_t>(q_dim) + (h0 + r % group) * hd;
  };
  for (int r = 0; r < rows; ++r) {
    const float* qr = q + q_row(r);
    for (int i = 0; i < hd; ++i) w.qt[static_cast<size_t>(i) * n_rows + r] = qr[i];
    w.n_kv[r] = p0 + t0 + r / group + 1;  // causal: positions 0..p0+t
  }
  const int n_max = p0 + t0 + nt;
  for (int j0 = 0; j0 < n_max; j0 += kKvTile) {
    const int n = std::min(kKvTile, n_max - j0);
    const uint16_t *Kt = nullptr, *Vt = nullptr;
    int64_t kv_stride = 0;
    tile_rows(kv, j0, n, hd, w, &Kt, &Vt, &kv_stride);
    ktab.attention.block_scores(w.qt.data(), n_rows, Kt, kv_stride, n, hd, scale, w.st.data());
    for (int r = 0; r < n_rows; ++r) w.n_cells[r] = std::clamp(w.n_kv[r] - j0, 0, n);
    if (ktab.attention.block_softmax)
      ktab.attention.block_softmax(w.st.data(), n_rows, n, w.n_cells.data(), w.M.data(), w.S.data(),
                                   w.ms.data());
    else
      tile_softmax(ktab, n_rows, n, w);
    ktab.attention.block_accumulate(w.st.data(), n_rows, Vt, kv_stride, n, hd, w.ms.data(),
                                    w.n_cells.data(), w.acc.data());
  }
  for (int r = 0; r < rows; ++r) {
    const float* a = &w.acc[static_cast<size_t>(r) * hd];
    float* o = out + q_row(r);
    for (int i = 0; i < hd; ++i) o[i] = static_cast<float>(a[i] / w.S[r]);
  }
}

}  // namespace

void attend_chunk(const ModelConfig& c, ThreadPool* pool, const float* q, float* att, int p0,
                  int n_tok, bool tiled, const kernels::KvBlocks& kv) {
  const int hd = c.head_dim;
  const int q_dim = c.n_head * hd;
  if (!tiled) {
    std::vector<RowJob> jobs(static_cast<size_t>(n_tok));
    for (int t = 0; t < n_tok; ++t)
      jobs[t] = {q + static_cast<size_t>(t) * q_dim, att + static_cast<size_t>(t) * q_dim,
                 p0 + t + 1, &kv};  // causal: positions 0..p0+t
    attend_rows(c, pool, jobs.data(), n_tok);
    return;
  }
  const kernels::KernelTable& ktab = kernels::active_kernels();
  const int group = c.n_head / c.n_head_kv;
  const float kq_scale = 1.0f / std::sqrt(static_cast<float>(hd));
  // One (block of kTokenBlock tokens, KV head) per task, the last tokens first: their
  // causal spans are the longest, and taking them first keeps the two threads balanced
  // (equal chunks: the tasks come in decreasing cost).
  const int n_blocks = (n_tok + kTokenBlock - 1) / kTokenBlock;
  parallel_for(
      pool, static_cast<int64_t>(n_blocks) * c.n_head_kv,
      [&](int64_t b, int64_t e) {
        TiledScratch w;
        for (int64_t task = b; task < e; ++task) {
          const int t0 = (n_blocks - 1 - static_cast<int>(task / c.n_head_kv)) * kTokenBlock;
          const int kvh = static_cast<int>(task % c.n_head_kv);
          kernels::KvBlocks head = kv;
          head.offset = kv.offset + static_cast<int64_t>(kvh) * hd;
          attend_tiled(ktab, q, q_dim, p0, t0, std::min(kTokenBlock, n_tok - t0), kvh * group,
                       group, head, hd, kq_scale, att, w);
        }
      },
      1, Schedule::kEqualChunks);
}

void attend_rows(const ModelConfig& c, ThreadPool* pool, const RowJob* jobs, int n_jobs) {
  const kernels::KernelTable& ktab = kernels::active_kernels();
  const int hd = c.head_dim;
  const int group = c.n_head / c.n_head_kv;
  const float kq_scale = 1.0f / std::sqrt(static_cast<float>(hd));
  // One (token, head) pair per task, the last tokens first (their spans are the longest, see
  // attend_chunk). The consecutive heads of a chunk that share a token and a KV head go in one
  // call (independent chains interleaved); for one token (Context's decode), one chunk per
  // thread keeps those runs long. For several, equal chunks of the tasks (a batch of decoding
  // sequences: whole tokens per chunk) in one parallel loop for all of them.
  const int64_t n_tasks = static_cast<int64_t>(n_jobs) * c.n_head;
  const int64_t threads = pool ? pool->size() : 1;
  const int64_t att_grain = n_jobs == 1 ? (n_tasks + threads - 1) / threads : 1;
  parallel_for(
      pool, n_tasks,
      [&](int64_t b, int64_t e) {
        std::vector<float> o(static_cast<size_t>(group) * hd);
        std::vector<uint16_t> acc(hd), qh(static_cast<size_t>(group) * hd);
        for (int64_t task = b; task < e;) {
          const RowJob& job = jobs[n_jobs - 1 - static_cast<int>(task / c.n_head)];
          const int hh = static_cast<int>(task % c.n_head);
          const int kvh = hh / group;
          // Heads hh..hh+rows-1: this chunk's, of this token and KV head.
          const int rows = static_cast<int>(std::min<int64_t>(e - task, (kvh + 1) * group - hh));
          kernels::KvBlocks head = *job.kv;
          head.offset = job.kv->offset + static_cast<int64_t>(kvh) * hd;
          attend_f16acc(ktab, job.q + static_cast<size_t>(hh) * hd, rows, hd, head, job.n_kv, hd,
                        kq_scale, o.data(), acc.data(), qh.data());
          std::copy(o.begin(), o.begin() + static_cast<size_t>(rows) * hd,
                    job.out + static_cast<size_t>(hh) * hd);
          task += rows;
        }
      },
      att_grain, Schedule::kEqualChunks);
}

}  // namespace hearth::attention

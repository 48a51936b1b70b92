#include "model/matmul.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/thread_pool.hpp"
#include "hearth/error.hpp"
#include "kernels/kernel_table.hpp"
#include "kernels/onednn/onednn_matmul.hpp"
#include "kernels/packed_rows.hpp"
#include "platform/per_thread.hpp"

namespace hearth {
namespace {

// Scratch for converted activations, reused across calls (one forward pass per thread at a
// time, so one buffer per calling thread suffices).
uint8_t* scratch(size_t bytes) {
  struct Tag {};  // not thread_local std::vector: see platform/per_thread.hpp
  auto& buffer = platform::per_thread<std::vector<uint8_t>, Tag>();
  if (buffer.size() < bytes) buffer.resize(bytes);
  return buffer.data();
}

// How one weight type meets its activations: a tiled kernel with its own prepared layout, or
// the vec_dot type's converter and a dot product per (row, token).
struct Plan {
  const kernels::GemmKernel* gemm = nullptr;
  kernels::ConvertFn convert = nullptr;
  kernels::VecDotFn dot = nullptr;
  size_t stride = 0;  // bytes of one prepared / converted activation row
};

Plan plan_for(const TensorView& W, int n_tok) {
  const DType act = model::vec_dot_type(W.type);
  const auto act_bytes = row_bytes(act, static_cast<uint64_t>(W.n_in));
  if (!act_bytes)
    fail(Status::kInternal,
         fmt::format("matmul: {} inputs do not fit {}", W.n_in, dtype_name(act)));
  const auto& table = kernels::active_kernels();
  Plan p;
  const kernels::GemmKernel* gemm = table.gemm[static_cast<int>(W.type)];
  if (W.packed) {
    // Written at load for this table's kernel (model/weight_repack.cpp): it handles any batch.
    if (!gemm || !gemm->run_packed)
      fail(Status::kInternal, "matmul: repacked weights without a kernel for their layout");
    p.gemm = gemm;
    p.stride = p.gemm->prepared_bytes(W.n_in);
    return p;
  }
  if (gemm && n_tok >= gemm->min_tokens && W.n_in % 32 == 0) {
    p.gemm = gemm;
    p.stride = p.gemm->prepared_bytes(W.n_in);
    return p;
  }
  p.convert = table.convert[static_cast<int>(act)];
  p.dot = table.vec_dot[static_cast<int>(W.type)];
  if (!p.convert || !p.dot)
    fail(Status::kInternal, fmt::format("matmul: no kernel for {}", dtype_name(W.type)));
  p.stride = *act_bytes;
  return p;
}

// Rows [r0, r1) of W times every prepared token -> Y[t * n_out + r].
void run_rows(const Plan& p, const TensorView& W, const uint8_t* xa, int n_tok, float* Y,
              int64_t r0, int64_t r1) {
  const int64_t n_out = W.n_out, n_in = W.n_in;
  if (W.packed) {
    // The R16 copy holds the whole groups of 16 rows; the last n_out % 16 rows (a vocabulary of
    // 50257) stay in the file's layout, where the row-layout kernel gives them the same bits.
    const int64_t full = n_out / kernels::kPackedRows * kernels::kPackedRows;
    if (r0 < full)
      p.gemm->run_packed(W.packed, W.row_bytes, r0, std::min(r1, full), xa, n_tok, n_in, Y, n_out);
    if (r1 > full)
      p.gemm->run(W.data, W.row_bytes, std::max(r0, full), r1, xa, n_tok, n_in, Y, n_out);
    return;
  }
  if (p.gemm) {
    p.gemm->run(W.data, W.row_bytes, r0, r1, xa, n_tok, n_in, Y, n_out);
    return;
  }
  for (int64_t r = r0; r < r1; ++r) {
    const uint8_t* w = W.row(r);
    // Decode streams each row once: fetch 8 rows ahead so that memory latency overlaps the
    // dot products.
    if (n_tok <= 2 && r + 8 < n_out)
      for (size_t off = 0; off < W.row_bytes; off += 64) __builtin_prefetch(W.row(r + 8) + off);
    for (int t = 0; t < n_tok; ++t) Y[t * n_out + r] = p.dot(w, xa + t * p.stride, n_in);
  }
}

// Whether two weights can use the same prepared activations (their dot products may differ:
// Q4_K and Q6_K both take Q8_K rows).
bool same_activations(const Plan& a, const Plan& b) {
  return a.gemm == b.gemm && a.convert == b.convert && a.stride == b.stride;
}

}  // namespace

void matmul(const TensorView& W, const float* X, float* Y, int n_tok, ThreadPool* pool) {
  const MatmulOutput one{&W, Y};
  matmul_shared_input(&one, 1, X, n_tok, pool);
}

void matmul_shared_input(const MatmulOutput* outs, int n_outs, const float* X, int n_tok,
                         ThreadPool* pool) {
  constexpr int kMaxOutputs = 8;
  if (n_outs <= 0) return;
  // F32 / BF16 weights on batches: oneDNN, where it was measured faster (kernels/onednn/).
  if (kernels::onednn::matmul(outs, n_outs, X, n_tok, pool)) return;
  if (n_outs > kMaxOutputs) {
    matmul_shared_input(outs, kMaxOutputs, X, n_tok, pool);
    matmul_shared_input(outs + kMaxOutputs, n_outs - kMaxOutputs, X, n_tok, pool);
    return;
  }
  Plan plans[kMaxOutputs];
  plans[0] = plan_for(*outs[0].weight, n_tok);
  const int64_t n_in = outs[0].weight->n_in;
  int64_t stacked = outs[0].weight->n_out;
  for (int i = 1; i < n_outs; ++i) {
    plans[i] = plan_for(*outs[i].weight, n_tok);
    // Weights whose activations are prepared differently (type, input size): one call each.
    // Repacked weights must start on a row group in the stacked rows (chunks are 16-row
    // aligned there).
    const bool misaligned = outs[i].weight->packed && stacked % kernels::kPackedRows != 0;
    stacked += outs[i].weight->n_out;
    if (outs[i].weight->n_in != n_in || !same_activations(plans[i], plans[0]) || misaligned) {
      matmul_shared_input(outs, i, X, n_tok, pool);
      matmul_shared_input(outs + i, n_outs - i, X, n_tok, pool);
      return;
    }
  }
  const Plan& p = plans[0];
  // Activations prepared once for every weight of the call.
  uint8_t* xa = scratch(p.stride * static_cast<size_t>(n_tok));
  parallel_for(pool, n_tok, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      if (p.gemm)
        p.gemm->prepare(X + t * n_in, xa + t * p.stride, n_in);
      else
        p.convert(X + t * n_in, xa + t * p.stride, n_in);
    }
  });
  // One parallel loop over the rows of all weights stacked (one barrier instead of one per
  // weight); a chunk crossing a boundary runs its part of each. Row results do not depend on
  // the split.
  int64_t total = 0;
  for (int i = 0; i < n_outs; ++i) total += outs[i].weight->n_out;
  parallel_for(
      pool, total,
      [&](int64_t b, int64_t e) {
        int64_t off = 0;
        for (int i = 0; i < n_outs && off < e; ++i) {
          const TensorView& W = *outs[i].weight;
          const int64_t lo = std::max(b, off) - off, hi = std::min(e, off + W.n_out) - off;
          if (lo < hi) run_rows(plans[i], W, xa, n_tok, outs[i].y, lo, hi);
          off += W.n_out;
        }
      },
      16);
}

}  // namespace hearth

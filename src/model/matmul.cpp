#include "model/matmul.hpp"

#include <fmt/format.h>

#include "core/thread_pool.hpp"
#include "hearth/error.hpp"
#include "kernels/kernel_table.hpp"

namespace hearth {
namespace {

// Scratch for converted activations, reused across calls (one forward pass per thread at a
// time, so one buffer per calling thread suffices).
uint8_t* scratch(size_t bytes) {
  thread_local std::vector<uint8_t> buffer;
  if (buffer.size() < bytes) buffer.resize(bytes);
  return buffer.data();
}

}  // namespace

void matmul(const TensorView& W, const float* X, float* Y, int n_tok, ThreadPool* pool) {
  const DType act = model::vec_dot_type(W.type);
  const auto act_bytes = row_bytes(act, static_cast<uint64_t>(W.n_in));
  if (!act_bytes)
    fail(Status::kInternal,
         fmt::format("matmul: {} inputs do not fit {}", W.n_in, dtype_name(act)));
  const auto& table = kernels::active_kernels();
  const int64_t n_out = W.n_out, n_in = W.n_in;
  const int slot = static_cast<int>(W.type);

  // Tiled kernel: activations prepared once, then rows in groups of 16 per task.
  if (const kernels::GemmKernel* gemm = table.gemm[slot]) {
    const size_t stride = gemm->prepared_bytes(n_in);
    uint8_t* xa = scratch(stride * static_cast<size_t>(n_tok));
    parallel_for(pool, n_tok, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) gemm->prepare(X + t * n_in, xa + t * stride, n_in);
    });
    parallel_for(
        pool, n_out,
        [&](int64_t r0, int64_t r1) {
          gemm->run(W.data, W.row_bytes, r0, r1, xa, n_tok, n_in, Y, n_out);
        },
        16);
    return;
  }

  // Generic path: every activation row converted once; each weight row then meets every token.
  const kernels::ConvertFn convert = table.convert[static_cast<int>(act)];
  const kernels::VecDotFn dot = table.vec_dot[slot];
  if (!convert || !dot)
    fail(Status::kInternal, fmt::format("matmul: no kernel for {}", dtype_name(W.type)));
  uint8_t* xa = scratch(*act_bytes * static_cast<size_t>(n_tok));
  parallel_for(pool, n_tok, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) convert(X + t * n_in, xa + t * *act_bytes, n_in);
  });
  parallel_for(
      pool, n_out,
      [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
          const uint8_t* w = W.row(r);
          // Decode streams each row once: fetch 8 rows ahead so that memory latency overlaps
          // the dot products.
          if (n_tok <= 2 && r + 8 < n_out)
            for (size_t off = 0; off < W.row_bytes; off += 64)
              __builtin_prefetch(W.row(r + 8) + off);
          for (int t = 0; t < n_tok; ++t) Y[t * n_out + r] = dot(w, xa + t * *act_bytes, n_in);
        }
      },
      16);
}

}  // namespace hearth

#include "embed/packed_attention.hpp"

#include <algorithm>

#include "core/thread_pool.hpp"
#include "kernels/kernel_table.hpp"

namespace hearth::embed {

void packed_attention(const AttentionShape& s, const std::vector<Span>& spans, const float* q,
                      const float* k, const float* v, float* out, ThreadPool* pool) {
  const kernels::KernelTable& ktab = kernels::active_kernels();
  const int group = s.n_head / s.n_head_kv;
  const int out_stride = s.n_head * s.head_dim;
  int longest = 0;
  for (const Span& sp : spans) longest = std::max(longest, sp.n);
  const size_t scratch_bytes =
      kernels::attend_f32_scratch_floats(longest, s.head_dim) * sizeof(float);
  const int64_t n_tasks = static_cast<int64_t>(spans.size()) * s.n_head;
  // One task per (text, head): the kernel sees only that text's rows, so no text attends to
  // another. Scratch: the thread's kernel buffer (no matmul runs inside this loop).
  parallel_for(pool, n_tasks, [&](int64_t t0, int64_t t1) {
    float* scratch = reinterpret_cast<float*>(kernels::kernel_scratch(scratch_bytes));
    for (int64_t t = t0; t < t1; ++t) {
      const Span& sp = spans[t / s.n_head];
      const int h = static_cast<int>(t % s.n_head), hk = h / group;
      const size_t row = static_cast<size_t>(sp.first);
      ktab.attend_f32(q + row * s.q_stride + h * s.head_dim, s.q_stride,
                      k + row * s.kv_stride + hk * s.head_dim,
                      v + row * s.kv_stride + hk * s.head_dim, s.kv_stride, sp.n, s.head_dim,
                      s.scale, s.causal, out + row * out_stride + h * s.head_dim, out_stride,
                      scratch);
    }
  });
}

}  // namespace hearth::embed

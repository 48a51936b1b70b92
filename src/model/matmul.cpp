#include "model/matmul.hpp"

#include <fmt/format.h>

#include "core/thread_pool.hpp"
#include "hearth/error.hpp"

namespace hearth {

void matmul(const TensorView& W, const float* X, float* Y, int n_tok, ThreadPool* pool) {
  const DType act = model::vec_dot_type(W.type);
  const auto act_bytes = row_bytes(act, static_cast<uint64_t>(W.n_in));
  if (!act_bytes)
    fail(Status::kInternal,
         fmt::format("matmul: {} inputs do not fit {}", W.n_in, dtype_name(act)));
  // Convert every activation row once; the weights are then streamed once per call.
  std::vector<uint8_t> xa(*act_bytes * static_cast<size_t>(n_tok));
  parallel_for(pool, n_tok, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t)
      model::convert_activations(act, X + t * W.n_in, xa.data() + t * *act_bytes, W.n_in);
  });
  const int64_t n_out = W.n_out;
  parallel_for(
      pool, n_out,
      [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
          const uint8_t* w = W.row(r);
          for (int t = 0; t < n_tok; ++t)
            Y[static_cast<int64_t>(t) * n_out + r] =
                model::vec_dot(W.type, w, xa.data() + t * *act_bytes, W.n_in);
        }
      },
      16);
}

}  // namespace hearth

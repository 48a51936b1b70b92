// Scalar reference of the embedding models' f32 attention (kernel_table.hpp, AttendF32Fn):
// one query row at a time, the dot products in index order, expf, the softmax sum in double.
#include <algorithm>
#include <cmath>

#include "kernels/attend_f32.hpp"

namespace hearth::kernels::scalar {

void attend_f32(const float* q, int64_t q_stride, const float* k, const float* v, int64_t kv_stride,
                int n, int hd, float scale, bool causal, float* out, int64_t out_stride,
                float* scratch) {
  float* scores = scratch;   // [n]
  float* acc = scratch + n;  // [hd]
  for (int i = 0; i < n; ++i) {
    const float* qi = q + i * q_stride;
    const int n_see = causal ? i + 1 : n;
    float mx = -INFINITY;
    for (int j = 0; j < n_see; ++j) {
      const float* kj = k + j * kv_stride;
      float dot = 0;
      for (int e = 0; e < hd; ++e) dot += qi[e] * kj[e];
      scores[j] = dot * scale;
      mx = std::max(mx, scores[j]);
    }
    double sum = 0;
    for (int j = 0; j < n_see; ++j) {
      scores[j] = std::exp(scores[j] - mx);
      sum += scores[j];
    }
    std::fill(acc, acc + hd, 0.0f);
    for (int j = 0; j < n_see; ++j) {
      const float* vj = v + j * kv_stride;
      const float p = scores[j];
      for (int e = 0; e < hd; ++e) acc[e] += p * vj[e];
    }
    const float inv = static_cast<float>(1.0 / sum);
    float* o = out + i * out_stride;
    for (int e = 0; e < hd; ++e) o[e] = acc[e] * inv;
  }
}

}  // namespace hearth::kernels::scalar

#include "embed/packed_attention.hpp"

#include <algorithm>
#include <cmath>

#include "core/thread_pool.hpp"

namespace hearth::embed {

void packed_attention(const AttentionShape& s, const std::vector<Span>& spans, const float* q,
                      const float* k, const float* v, float* out, ThreadPool* pool) {
  const int group = s.n_head / s.n_head_kv;
  const int64_t n_tasks = static_cast<int64_t>(spans.size()) * s.n_head;
  // One task per (text, head): its scores fit one row buffer of the text's length.
  parallel_for(pool, n_tasks, [&](int64_t t0, int64_t t1) {
    std::vector<float> scores, acc(s.head_dim);
    for (int64_t t = t0; t < t1; ++t) {
      const Span& sp = spans[t / s.n_head];
      const int h = static_cast<int>(t % s.n_head), hk = h / group;
      scores.resize(sp.n);
      for (int i = 0; i < sp.n; ++i) {
        const float* qi = q + static_cast<size_t>(sp.first + i) * s.q_stride + h * s.head_dim;
        const int n_see = s.causal ? i + 1 : sp.n;
        float mx = -INFINITY;
        for (int j = 0; j < n_see; ++j) {
          const float* kj = k + static_cast<size_t>(sp.first + j) * s.kv_stride + hk * s.head_dim;
          float dot = 0;
          for (int e = 0; e < s.head_dim; ++e) dot += qi[e] * kj[e];
          scores[j] = dot * s.scale;
          mx = std::max(mx, scores[j]);
        }
        double sum = 0;
        for (int j = 0; j < n_see; ++j) {
          scores[j] = std::exp(scores[j] - mx);
          sum += scores[j];
        }
        std::fill(acc.begin(), acc.end(), 0.0f);
        for (int j = 0; j < n_see; ++j) {
          const float* vj = v + static_cast<size_t>(sp.first + j) * s.kv_stride + hk * s.head_dim;
          const float p = scores[j];
          for (int e = 0; e < s.head_dim; ++e) acc[e] += p * vj[e];
        }
        const float inv = static_cast<float>(1.0 / sum);
        float* o =
            out + static_cast<size_t>(sp.first + i) * (s.n_head * s.head_dim) + h * s.head_dim;
        for (int e = 0; e < s.head_dim; ++e) o[e] = acc[e] * inv;
      }
    }
  });
}

}  // namespace hearth::embed

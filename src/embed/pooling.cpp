#include "embed/pooling.hpp"

#include <cmath>

#include "hearth/error.hpp"
#include "model/matmul.hpp"

namespace hearth::embed {

std::vector<float> pool(const std::vector<float>& hidden, int d, const std::vector<Span>& spans,
                        Pooling pooling) {
  std::vector<float> out(spans.size() * static_cast<size_t>(d), 0.0f);
  for (size_t s = 0; s < spans.size(); ++s) {
    const Span& sp = spans[s];
    float* o = out.data() + s * d;
    if (sp.n == 0) continue;
    const float* first = hidden.data() + static_cast<size_t>(sp.first) * d;
    switch (pooling) {
      case Pooling::kMean: {
        const float w = 1.0f / static_cast<float>(sp.n);
        for (int t = 0; t < sp.n; ++t)
          for (int i = 0; i < d; ++i) o[i] += first[static_cast<size_t>(t) * d + i] * w;
        break;
      }
      case Pooling::kCls:
        std::copy(first, first + d, o);
        break;
      case Pooling::kLast:
      case Pooling::kNone:
        std::copy(first + static_cast<size_t>(sp.n - 1) * d, first + static_cast<size_t>(sp.n) * d,
                  o);
        break;
      default:
        fail(Status::kInternal, "pool: rank pooling goes through rank_scores");
    }
  }
  return out;
}

std::vector<float> rank_scores(const EncoderModel& m, const std::vector<float>& hidden,
                               const std::vector<Span>& spans) {
  const int d = m.c.n_embd;
  if (!m.cls && !m.cls_out)
    fail(Status::kInvalidArgument,
         "the model has no classification head (cls / cls.output): it is not a reranker");
  // Qwen3-Reranker reads its last token, BERT cross-encoders their first ([CLS]).
  const bool decoder = m.c.family == Family::kDecoder;
  const int n_rows = static_cast<int>(spans.size());
  std::vector<float> x(static_cast<size_t>(n_rows) * d);
  for (int s = 0; s < n_rows; ++s) {
    const int row = decoder ? spans[s].first + spans[s].n - 1 : spans[s].first;
    std::copy(hidden.begin() + static_cast<size_t>(row) * d,
              hidden.begin() + static_cast<size_t>(row + 1) * d, x.begin() + s * d);
  }
  int width = d;
  if (m.cls) {
    std::vector<float> y(x.size());
    matmul(m.cls, x.data(), y.data(), n_rows, nullptr);
    const float* b = m.cls_b ? reinterpret_cast<const float*>(m.cls_b.data) : nullptr;
    for (int s = 0; s < n_rows; ++s)
      for (int i = 0; i < d; ++i) y[s * d + i] = std::tanh(y[s * d + i] + (b ? b[i] : 0.0f));
    x.swap(y);
  }
  if (m.cls_out) {
    width = m.c.n_cls_out;
    std::vector<float> y(static_cast<size_t>(n_rows) * width);
    matmul(m.cls_out, x.data(), y.data(), n_rows, nullptr);
    if (m.cls_out_b) {
      const float* b = reinterpret_cast<const float*>(m.cls_out_b.data);
      for (int s = 0; s < n_rows; ++s)
        for (int i = 0; i < width; ++i) y[s * width + i] += b[i];
    }
    x.swap(y);
  }
  if (decoder) {
    for (int s = 0; s < n_rows; ++s) {
      float* r = x.data() + s * width;
      float mx = r[0];
      for (int i = 1; i < width; ++i) mx = std::max(mx, r[i]);
      double sum = 0;
      for (int i = 0; i < width; ++i) sum += (r[i] = std::exp(r[i] - mx));
      for (int i = 0; i < width; ++i) r[i] = static_cast<float>(r[i] / sum);
    }
  }
  return x;
}

void l2_normalize(float* rows, int n, int d) {
  for (int r = 0; r < n; ++r) {
    float* x = rows + static_cast<size_t>(r) * d;
    double sum = 0;
    for (int i = 0; i < d; ++i) sum += static_cast<double>(x[i]) * x[i];
    const double norm = std::sqrt(sum);
    if (norm <= 0) continue;
    const float inv = static_cast<float>(1.0 / norm);
    for (int i = 0; i < d; ++i) x[i] *= inv;
  }
}

}  // namespace hearth::embed

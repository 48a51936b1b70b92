#include "embed/encoder_ops.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/kernel_table.hpp"

namespace hearth::embed {

namespace {

// Sums in double like ggml's ggml_float accumulators, over eight independent chains: a single
// chain waits on each add's latency (the norms were a tenth of a quantized model's time), and
// the double sums agree with the sequential ones far below float precision.
template <typename F>
double sum_double(int n, F term) {
  double p[8] = {};
  int i = 0;
  for (; i + 8 <= n; i += 8)
    for (int c = 0; c < 8; ++c) p[c] += term(i + c);
  for (; i < n; ++i) p[0] += term(i);
  return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
}

// Both activations take their exponentials from the kernel table (vectorized, within ~1 ulp
// of expf), 256 at a time so that the staging buffer stays in L1.
constexpr int kChunk = 256;

}  // namespace

void layer_norm(float* x, int n, const float* w, const float* b, float eps) {
  const double sum = sum_double(n, [&](int i) { return static_cast<double>(x[i]); });
  const float mean = static_cast<float>(sum / n);
  for (int i = 0; i < n; ++i) x[i] -= mean;
  const double var = sum_double(n, [&](int i) { return static_cast<double>(x[i]) * x[i]; });
  const float scale = 1.0f / std::sqrt(static_cast<float>(var / n) + eps);
  for (int i = 0; i < n; ++i) {
    float v = x[i] * scale;
    if (w) v *= w[i];
    if (b) v += b[i];
    x[i] = v;
  }
}

void rms_norm(float* x, int n, const float* w, float eps) {
  const double sum = sum_double(n, [&](int i) { return static_cast<double>(x[i]) * x[i]; });
  const float scale = 1.0f / std::sqrt(static_cast<float>(sum / n) + eps);
  for (int i = 0; i < n; ++i) x[i] = w ? x[i] * scale * w[i] : x[i] * scale;
}

void add_bias(float* x, int n, const float* b) {
  if (b)
    for (int i = 0; i < n; ++i) x[i] += b[i];
}

void gelu(float* x, int n, const float* b) {
  // 0.5 v (1 + tanh(z)) = v / (1 + exp(-2z)): the same function with one exponential and
  // without tanh's cancellation for negative v.
  constexpr float kSqrt2OverPi = 0.79788456080286535587989211986876f;
  constexpr float kCoef = 0.044715f;
  const auto exp_f32 = kernels::active_kernels().exp_f32;
  float e[kChunk];
  for (int i0 = 0; i0 < n; i0 += kChunk) {
    const int m = std::min(kChunk, n - i0);
    float* xi = x + i0;
    if (b)
      for (int i = 0; i < m; ++i) xi[i] += b[i0 + i];
    for (int i = 0; i < m; ++i)
      e[i] = -2.0f * kSqrt2OverPi * xi[i] * (1.0f + kCoef * xi[i] * xi[i]);
    exp_f32(e, e, m);
    for (int i = 0; i < m; ++i) xi[i] = xi[i] / (1.0f + e[i]);
  }
}

void swiglu(float* gate, const float* up, int n) {
  const auto exp_f32 = kernels::active_kernels().exp_f32;
  float e[kChunk];
  for (int i0 = 0; i0 < n; i0 += kChunk) {
    const int m = std::min(kChunk, n - i0);
    for (int i = 0; i < m; ++i) e[i] = -gate[i0 + i];
    exp_f32(e, e, m);
    for (int i = 0; i < m; ++i) gate[i0 + i] = gate[i0 + i] / (1.0f + e[i]) * up[i0 + i];
  }
}

void rope_neox(float* h, int n_rot, int pos, float base, float freq_scale) {
  const float theta_scale = std::pow(base, -2.0f / static_cast<float>(n_rot));
  float theta = static_cast<float>(pos) * freq_scale;
  const int half = n_rot / 2;
  for (int i = 0; i < half; ++i) {
    const float c = std::cos(theta), s = std::sin(theta);
    const float a = h[i], b = h[i + half];
    h[i] = a * c - b * s;
    h[i + half] = a * s + b * c;
    theta *= theta_scale;
  }
}

}  // namespace hearth::embed

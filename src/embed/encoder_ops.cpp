#include "embed/encoder_ops.hpp"

#include <cmath>

namespace hearth::embed {

void layer_norm(float* x, int n, const float* w, const float* b, float eps) {
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += x[i];
  const float mean = static_cast<float>(sum / n);
  double var = 0;
  for (int i = 0; i < n; ++i) {
    x[i] -= mean;
    var += static_cast<double>(x[i]) * x[i];
  }
  const float scale = 1.0f / std::sqrt(static_cast<float>(var / n) + eps);
  for (int i = 0; i < n; ++i) {
    float v = x[i] * scale;
    if (w) v *= w[i];
    if (b) v += b[i];
    x[i] = v;
  }
}

void rms_norm(float* x, int n, const float* w, float eps) {
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += static_cast<double>(x[i]) * x[i];
  const float scale = 1.0f / std::sqrt(static_cast<float>(sum / n) + eps);
  for (int i = 0; i < n; ++i) x[i] = w ? x[i] * scale * w[i] : x[i] * scale;
}

void add_bias(float* x, int n, const float* b) {
  if (b)
    for (int i = 0; i < n; ++i) x[i] += b[i];
}

void gelu(float* x, int n) {
  constexpr float kSqrt2OverPi = 0.79788456080286535587989211986876f;
  constexpr float kCoef = 0.044715f;
  for (int i = 0; i < n; ++i) {
    const float v = x[i];
    x[i] = 0.5f * v * (1.0f + std::tanh(kSqrt2OverPi * v * (1.0f + kCoef * v * v)));
  }
}

void swiglu(float* gate, const float* up, int n) {
  for (int i = 0; i < n; ++i) gate[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
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

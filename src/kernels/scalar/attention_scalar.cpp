// Scalar attention primitives over F16 K/V rows (the reference for the SIMD versions).
#include <cmath>

#include "hearth/quant.hpp"
#include "kernels/scalar/scalar_kernels.hpp"

namespace hearth::kernels::scalar {

float dot_f32_f16(const float* x, const uint16_t* h, int64_t n) {
  float dot = 0;
  for (int64_t i = 0; i < n; ++i) dot = std::fma(x[i], fp16_to_fp32(h[i]), dot);
  return dot;
}

void axpy_f16(float a, const uint16_t* h, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::fma(a, fp16_to_fp32(h[i]), y[i]);
}

void scale_f16(uint16_t* acc, float s, int64_t n) {
  for (int64_t i = 0; i < n; ++i) acc[i] = fp32_to_fp16(fp16_to_fp32(acc[i]) * s);
}

void axpy_f16_f16(float a, const uint16_t* v, uint16_t* acc, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    acc[i] = fp32_to_fp16(fp16_to_fp32(acc[i]) + fp16_to_fp32(v[i]) * a);  // not fused
}

}  // namespace hearth::kernels::scalar

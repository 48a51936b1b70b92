// NEON attention primitives over F16 K/V rows, 4 elements per step (tails one element at a
// time). axpy_f16, scale_f16 and axpy_f16_f16 do per element exactly what the SIMD x86 versions
// do (axpy_f16 and scale_f16: the scalar operations; axpy_f16_f16 fused); dot_f32_f16 sums in
// lanes.
#include <arm_neon.h>

#include <cmath>
#include <cstdint>

#include "kernels/neon/neon_kernels.hpp"
#include "kernels/neon/simd_neon.hpp"

namespace hearth::kernels::neon {

float dot_f32_f16(const float* x, const uint16_t* h, int64_t n) {
  float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    a0 = vfmaq_f32(a0, vld1q_f32(x + i), load_f16x4(h + i));
    a1 = vfmaq_f32(a1, vld1q_f32(x + i + 4), load_f16x4(h + i + 4));
  }
  for (; i + 4 <= n; i += 4) a0 = vfmaq_f32(a0, vld1q_f32(x + i), load_f16x4(h + i));
  float dot = vaddvq_f32(vaddq_f32(a0, a1));
  for (; i < n; ++i) dot = std::fma(x[i], f16_to_f32(h[i]), dot);
  return dot;
}

void axpy_f16(float a, const uint16_t* h, float* y, int64_t n) {
  const float32x4_t av = vdupq_n_f32(a);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vfmaq_f32(vld1q_f32(y + i), av, load_f16x4(h + i)));
  for (; i < n; ++i) y[i] = std::fma(a, f16_to_f32(h[i]), y[i]);
}

void scale_f16(uint16_t* acc, float s, int64_t n) {
  const float32x4_t sv = vdupq_n_f32(s);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) store_f16x4(acc + i, vmulq_f32(load_f16x4(acc + i), sv));
  for (; i < n; ++i) acc[i] = f32_to_f16(f16_to_f32(acc[i]) * s);
}

void axpy_f16_f16(float a, const uint16_t* v, uint16_t* acc, int64_t n) {
  const float32x4_t av = vdupq_n_f32(a);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    store_f16x4(acc + i, vfmaq_f32(load_f16x4(acc + i), load_f16x4(v + i), av));
  for (; i < n; ++i) acc[i] = f32_to_f16(std::fma(f16_to_f32(v[i]), a, f16_to_f32(acc[i])));
}

}  // namespace hearth::kernels::neon

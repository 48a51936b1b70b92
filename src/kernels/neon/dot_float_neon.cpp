// NEON dot products of F32, F16 and BF16 rows (4 floats per vector, four accumulators; the tail
// of n % 4 elements is summed last). Within rounding of the scalar reference, which sums in
// double (tests/test_kernels.cpp).
#include <arm_neon.h>

#include <cstdint>
#include <cstring>

#include "kernels/neon/neon_kernels.hpp"
#include "kernels/neon/simd_neon.hpp"

namespace hearth::kernels::neon {
namespace {

// sum over i < n of load(w + i) * load(x + i), with `Load` turning 4 elements into floats.
template <typename T, typename Load>
float dot4(const T* w, const T* x, int64_t n, Load load, int64_t* done) {
  float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = vfmaq_f32(a0, load(w + i), load(x + i));
    a1 = vfmaq_f32(a1, load(w + i + 4), load(x + i + 4));
    a2 = vfmaq_f32(a2, load(w + i + 8), load(x + i + 8));
    a3 = vfmaq_f32(a3, load(w + i + 12), load(x + i + 12));
  }
  for (; i + 4 <= n; i += 4) a0 = vfmaq_f32(a0, load(w + i), load(x + i));
  *done = i;
  return vaddvq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)));
}

float bf16_scalar(uint16_t h) {
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

}  // namespace

float dot_f32(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const float*>(wv);
  const auto* x = static_cast<const float*>(xv);
  int64_t i;
  float s = dot4(
      w, x, n, [](const float* p) { return vld1q_f32(p); }, &i);
  for (; i < n; ++i) s += w[i] * x[i];
  return s;
}

float dot_f16(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const uint16_t*>(wv);
  const auto* x = static_cast<const uint16_t*>(xv);
  int64_t i;
  float s = dot4(w, x, n, load_f16x4, &i);
  for (; i < n; ++i) s += f16_to_f32(w[i]) * f16_to_f32(x[i]);
  return s;
}

float dot_bf16(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const uint16_t*>(wv);
  const auto* x = static_cast<const uint16_t*>(xv);
  int64_t i;
  float s = dot4(w, x, n, load_bf16x4, &i);
  for (; i < n; ++i) s += bf16_scalar(w[i]) * bf16_scalar(x[i]);
  return s;
}

}  // namespace hearth::kernels::neon

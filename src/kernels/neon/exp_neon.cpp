// NEON exponential, 4 floats at a time, within ~1 ulp of expf (tests/test_kernels.cpp): the
// reduction and polynomial of the x86 versions (src/kernels/avx2/exp_avx2.cpp), 2^k applied as
// two exact powers of two 2^(k/2) and 2^(k - k/2), both normal floats, so subnormal and
// overflowing results are still right.
#include <arm_neon.h>

#include <cstring>

#include "kernels/neon/neon_kernels.hpp"

namespace hearth::kernels::neon {
namespace {

float32x4_t pow2(int32x4_t k) {  // 2^k for k in [-126, 127]
  return vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(k, vdupq_n_s32(127)), 23));
}

float32x4_t exp4(float32x4_t x) {
  // fmin / fmax propagate NaN, so a NaN input stays NaN through e below.
  x = vminq_f32(vdupq_n_f32(89.0f), vmaxq_f32(vdupq_n_f32(-104.0f), x));
  const float32x4_t k = vrndnq_f32(vmulq_f32(x, vdupq_n_f32(1.44269504088896341f)));
  float32x4_t r = vfmsq_f32(x, k, vdupq_n_f32(0.693359375f));
  r = vfmsq_f32(r, k, vdupq_n_f32(-2.12194440e-4f));
  float32x4_t p = vdupq_n_f32(1.9875691500e-4f);
  p = vfmaq_f32(vdupq_n_f32(1.3981999507e-3f), p, r);
  p = vfmaq_f32(vdupq_n_f32(8.3334519073e-3f), p, r);
  p = vfmaq_f32(vdupq_n_f32(4.1665795894e-2f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.6666665459e-1f), p, r);
  p = vfmaq_f32(vdupq_n_f32(5.0000001201e-1f), p, r);
  const float32x4_t e = vaddq_f32(vfmaq_f32(r, p, vmulq_f32(r, r)), vdupq_n_f32(1.0f));
  // NaN: the conversion gives 0, the powers 1, and e is NaN already.
  const int32x4_t ki = vcvtnq_s32_f32(k);
  const int32x4_t k1 = vshrq_n_s32(ki, 1);
  return vmulq_f32(vmulq_f32(e, pow2(k1)), pow2(vsubq_s32(ki, k1)));
}

}  // namespace

// y[i] = exp(x[i]), i < n; the tail goes through the same vector code via a padded copy.
void exp_f32(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, exp4(vld1q_f32(x + i)));
  if (i < n) {
    float buf[4] = {};
    const size_t rest = static_cast<size_t>(n - i);
    std::memcpy(buf, x + i, rest * sizeof(float));
    vst1q_f32(buf, exp4(vld1q_f32(buf)));
    std::memcpy(y + i, buf, rest * sizeof(float));
  }
}

}  // namespace hearth::kernels::neon

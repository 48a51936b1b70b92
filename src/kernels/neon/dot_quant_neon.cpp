// NEON dot products of Q8_0 and Q4_0 weight rows with Q8_0 activations (smull / smlal into int16
// lanes, then pairwise into int32). Each block's integer sum is exact and reduced to one int, and
// the float steps are the scalar kernel's (sum += float(isum) * (d_w * d_x), block by block):
// bit-identical to the scalar reference.
#include <arm_neon.h>

#include <cstdint>

#include "hearth/quant.hpp"
#include "kernels/neon/neon_kernels.hpp"
#include "kernels/neon/simd_neon.hpp"

namespace hearth::kernels::neon {
namespace {

// sum(w * x) over 32 bytes. |w| <= 128 and |x| <= 127 (the Q8_0 activation quantizer never
// gives -128), so the int16 sum of two products is at most 32512: exact.
int block_dot_s8(int8x16_t w0, int8x16_t w1, int8x16_t x0, int8x16_t x1) {
  int16x8_t p0 = vmull_s8(vget_low_s8(w0), vget_low_s8(x0));
  p0 = vmlal_high_s8(p0, w0, x0);
  int16x8_t p1 = vmull_s8(vget_low_s8(w1), vget_low_s8(x1));
  p1 = vmlal_high_s8(p1, w1, x1);
  return vaddvq_s32(vpadalq_s16(vpaddlq_s16(p0), p1));
}

}  // namespace

float dot_q8_0(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const BlockQ8_0*>(wv);
  const auto* x = static_cast<const BlockQ8_0*>(xv);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    const int s = block_dot_s8(vld1q_s8(w[i].qs), vld1q_s8(w[i].qs + 16), vld1q_s8(x[i].qs),
                               vld1q_s8(x[i].qs + 16));
    sum += static_cast<float>(s) * (f16_to_f32(w[i].d) * f16_to_f32(x[i].d));
  }
  return sum;
}

float dot_q4_0(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const BlockQ4_0*>(wv);
  const auto* x = static_cast<const BlockQ8_0*>(xv);
  const uint8x16_t low4 = vdupq_n_u8(0x0F);
  const int8x16_t eight = vdupq_n_s8(8);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    // Low nibbles are elements 0..15, high nibbles 16..31; q - 8 in -8..7.
    const uint8x16_t q = vld1q_u8(w[i].qs);
    const int8x16_t lo = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(q, low4)), eight);
    const int8x16_t hi = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(q, 4)), eight);
    const int s = block_dot_s8(lo, hi, vld1q_s8(x[i].qs), vld1q_s8(x[i].qs + 16));
    sum += static_cast<float>(s) * (f16_to_f32(w[i].d) * f16_to_f32(x[i].d));
  }
  return sum;
}

}  // namespace hearth::kernels::neon

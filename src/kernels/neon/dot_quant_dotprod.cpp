// Q8_0 and Q4_0 dot products with sdot (Armv8.2 DotProd): 16 byte products per instruction into
// four int32 lanes. Same exact block sums and float steps as the scalar kernels: bit-identical.
#include <arm_neon.h>

#include <cstdint>

#include "hearth/quant.hpp"
#include "kernels/neon/neon_kernels.hpp"
#include "kernels/neon/simd_neon.hpp"

namespace hearth::kernels::neon_dotprod {
namespace {

int block_dot_s8(int8x16_t w0, int8x16_t w1, int8x16_t x0, int8x16_t x1) {
  return vaddvq_s32(vdotq_s32(vdotq_s32(vdupq_n_s32(0), w0, x0), w1, x1));
}

}  // namespace

float dot_q8_0(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const BlockQ8_0*>(wv);
  const auto* x = static_cast<const BlockQ8_0*>(xv);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    const int s = block_dot_s8(vld1q_s8(w[i].qs), vld1q_s8(w[i].qs + 16), vld1q_s8(x[i].qs),
                               vld1q_s8(x[i].qs + 16));
    sum += static_cast<float>(s) * (neon::f16_to_f32(w[i].d) * neon::f16_to_f32(x[i].d));
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
    const uint8x16_t q = vld1q_u8(w[i].qs);
    const int8x16_t lo = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(q, low4)), eight);
    const int8x16_t hi = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(q, 4)), eight);
    const int s = block_dot_s8(lo, hi, vld1q_s8(x[i].qs), vld1q_s8(x[i].qs + 16));
    sum += static_cast<float>(s) * (neon::f16_to_f32(w[i].d) * neon::f16_to_f32(x[i].d));
  }
  return sum;
}

}  // namespace hearth::kernels::neon_dotprod

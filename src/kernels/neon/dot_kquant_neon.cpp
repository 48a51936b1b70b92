// NEON dot products of Q4_K and Q6_K weight rows with Q8_K activations. The integer sum of a
// super-block is built exactly in int16 / int32 lanes, reduced to one integer, and scaled as the
// scalar kernel does (no contraction: -ffp-contract=off): bit-identical to the scalar reference.
#include <arm_neon.h>

#include <cstdint>

#include "hearth/quant.hpp"
#include "kernels/neon/neon_kernels.hpp"
#include "kernels/neon/simd_neon.hpp"

namespace hearth::kernels::neon {
namespace {

// sum(q * x) over 32 elements, q unsigned nibbles (<= 15), |x| <= 127: each int16 lane adds
// four products (<= 7620), exact.
int dot32_u4(uint8x16_t q0, uint8x16_t q1, const int8_t* x) {
  const int8x16_t a = vreinterpretq_s8_u8(q0), b = vreinterpretq_s8_u8(q1);
  const int8x16_t x0 = vld1q_s8(x), x1 = vld1q_s8(x + 16);
  int16x8_t p = vmull_s8(vget_low_s8(a), vget_low_s8(x0));
  p = vmlal_high_s8(p, a, x0);
  p = vmlal_s8(p, vget_low_s8(b), vget_low_s8(x1));
  p = vmlal_high_s8(p, b, x1);
  return vaddlvq_s16(p);
}

// sum(q * x) over one 16-element sub-block as four int32 lanes, |q| <= 32: exact.
int32x4_t dot16_s8(int8x16_t q, const int8_t* x) {
  const int8x16_t xv = vld1q_s8(x);
  int16x8_t p = vmull_s8(vget_low_s8(q), vget_low_s8(xv));
  p = vmlal_high_s8(p, q, xv);
  return vpaddlq_s16(p);
}

}  // namespace

float dot_q4_k(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const BlockQ4_K*>(wv);
  const auto* x = static_cast<const BlockQ8_K*>(xv);
  const uint8x16_t low4 = vdupq_n_u8(0x0F);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const uint8_t* qs = w[i].qs;
    const int8_t* q8 = x[i].qs;
    int sumi = 0, summ = 0;
    for (int c = 0; c < 4; ++c) {
      uint8_t sc0, m0, sc1, m1;
      k_scale_min(2 * c, w[i].scales, &sc0, &m0);
      k_scale_min(2 * c + 1, w[i].scales, &sc1, &m1);
      const uint8x16_t a = vld1q_u8(qs + 32 * c), b = vld1q_u8(qs + 32 * c + 16);
      const int s0 = dot32_u4(vandq_u8(a, low4), vandq_u8(b, low4), q8 + 64 * c);
      const int s1 = dot32_u4(vshrq_n_u8(a, 4), vshrq_n_u8(b, 4), q8 + 64 * c + 32);
      sumi += sc0 * s0 + sc1 * s1;
      summ += m0 * (x[i].bsums[4 * c] + x[i].bsums[4 * c + 1]) +
              m1 * (x[i].bsums[4 * c + 2] + x[i].bsums[4 * c + 3]);
    }
    sum += fp16_to_fp32(w[i].d) * x[i].d * static_cast<float>(sumi) -
           fp16_to_fp32(w[i].dmin) * x[i].d * static_cast<float>(summ);
  }
  return sum;
}

// Q6_K: per half of 128, byte l of ql (l < 64) and qh (l < 32) give elements l, l+32, l+64,
// l+96 (see the scalar kernel); sub-block k (16 elements) has scale sc[k].
float dot_q6_k(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const BlockQ6_K*>(wv);
  const auto* x = static_cast<const BlockQ8_K*>(xv);
  const uint8x16_t low4 = vdupq_n_u8(0x0F), low2 = vdupq_n_u8(3);
  const int8x16_t off = vdupq_n_s8(32);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int32x4_t acc = vdupq_n_s32(0);
    for (int half = 0; half < 2; ++half) {
      const uint8_t* ql = w[i].ql + 64 * half;
      const uint8_t* qh = w[i].qh + 32 * half;
      const int8_t* sc = w[i].scales + 8 * half;
      const int8_t* q8 = x[i].qs + 128 * half;
      const uint8x16_t l[4] = {vld1q_u8(ql), vld1q_u8(ql + 16), vld1q_u8(ql + 32),
                               vld1q_u8(ql + 48)};
      const uint8x16_t h[2] = {vld1q_u8(qh), vld1q_u8(qh + 16)};
      for (int k = 0; k < 8; ++k) {
        // Sub-block k: elements 16k..16k+15 = bytes 16 * (k % 4) of ql (low nibbles for k < 4,
        // high ones above) and bits 2 * (k / 2) of qh bytes 16 * (k % 2).
        const uint8x16_t lq = k < 4 ? vandq_u8(l[k], low4) : vshrq_n_u8(l[k - 4], 4);
        uint8x16_t hq = h[k % 2];
        switch (k / 2) {
          case 1:
            hq = vshrq_n_u8(hq, 2);
            break;
          case 2:
            hq = vshrq_n_u8(hq, 4);
            break;
          case 3:
            hq = vshrq_n_u8(hq, 6);
            break;
          default:
            break;
        }
        const uint8x16_t q = vorrq_u8(lq, vshlq_n_u8(vandq_u8(hq, low2), 4));
        const int8x16_t qs = vsubq_s8(vreinterpretq_s8_u8(q), off);
        acc = vmlaq_n_s32(acc, dot16_s8(qs, q8 + 16 * k), sc[k]);
      }
    }
    sum += fp16_to_fp32(w[i].d) * x[i].d * static_cast<float>(vaddvq_s32(acc));
  }
  return sum;
}

}  // namespace hearth::kernels::neon

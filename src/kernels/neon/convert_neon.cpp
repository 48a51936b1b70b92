// NEON activation converters, bit-identical to the scalar ones (tested): F16 through fcvtn
// (round to nearest even), BF16 with integer round-to-nearest-even, Q8_0 with llama.cpp's x86
// arithmetic (the scalar reference: scale 127 / amax, round half to even).
#include <arm_neon.h>

#include <cstdint>

#include "hearth/quant.hpp"
#include "kernels/neon/neon_kernels.hpp"
#include "kernels/neon/simd_neon.hpp"

namespace hearth::kernels::neon {

void convert_f16(const float* x, void* dst, int64_t n) {
  auto* d = static_cast<uint16_t*>(dst);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    store_f16x4(d + i, vld1q_f32(x + i));
    store_f16x4(d + i + 4, vld1q_f32(x + i + 4));
  }
  for (; i + 4 <= n; i += 4) store_f16x4(d + i, vld1q_f32(x + i));
  for (; i < n; ++i) d[i] = f32_to_f16(x[i]);
}

void convert_bf16(const float* x, void* dst, int64_t n) {
  auto* d = static_cast<uint16_t*>(dst);
  const uint32x4_t abs_mask = vdupq_n_u32(0x7FFFFFFF), inf = vdupq_n_u32(0x7F800000);
  const uint32x4_t round = vdupq_n_u32(0x7FFF), one = vdupq_n_u32(1), quiet = vdupq_n_u32(0x40);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint32x4_t u = vreinterpretq_u32_f32(vld1q_f32(x + i));
    const uint32x4_t is_nan = vcgtq_u32(vandq_u32(u, abs_mask), inf);
    const uint32x4_t top = vshrq_n_u32(u, 16);
    const uint32x4_t rounded = vshrq_n_u32(vaddq_u32(u, vaddq_u32(round, vandq_u32(top, one))), 16);
    const uint32x4_t r = vbslq_u32(is_nan, vorrq_u32(top, quiet), rounded);
    vst1_u16(d + i, vmovn_u32(r));
  }
  for (; i < n; ++i) d[i] = fp32_to_bf16(x[i]);
}

// Per block of 32: amax = max |x| (fmaxnm: a NaN lane never wins, as in std::max(amax, |x|)),
// d = fp16(amax / 127), q = round-half-even(x * (127 / amax)) (fcvtns).
void quantize_q8_0_act(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ8_0*>(dst);
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK) {
    float32x4_t v[8];
    float32x4_t m = vdupq_n_f32(0.0f);
    for (int k = 0; k < 8; ++k) {
      v[k] = vld1q_f32(x + 4 * k);
      m = vmaxnmq_f32(m, vabsq_f32(v[k]));
    }
    const float amax = vmaxnmvq_f32(m);
    const float id = amax != 0.0f ? 127.f / amax : 0.0f;
    y[b].d = fp32_to_fp16(amax / 127.f);
    const float32x4_t scale = vdupq_n_f32(id);
    int16x8_t h[4];
    for (int k = 0; k < 4; ++k)
      h[k] = vcombine_s16(vqmovn_s32(vcvtnq_s32_f32(vmulq_f32(v[2 * k], scale))),
                          vqmovn_s32(vcvtnq_s32_f32(vmulq_f32(v[2 * k + 1], scale))));
    vst1q_s8(y[b].qs, vcombine_s8(vqmovn_s16(h[0]), vqmovn_s16(h[1])));
    vst1q_s8(y[b].qs + 16, vcombine_s8(vqmovn_s16(h[2]), vqmovn_s16(h[3])));
  }
}

}  // namespace hearth::kernels::neon

// Small NEON helpers shared by the files of src/kernels/neon/. `static` keeps every copy internal
// to its file, so no weak symbol compiled with the dotprod / i8mm flags can stand in for a
// portable one (ctest isa_symbols).
#pragma once

#include <arm_neon.h>

#include <cstdint>
#include <cstring>

namespace hearth::kernels::neon {

// 4 IEEE halves -> 4 floats (exact; fcvtl).
static inline float32x4_t load_f16x4(const uint16_t* p) {
  return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)));
}

// 4 floats -> 4 halves, round to nearest even (fcvtn under the default FPCR), stored at p.
static inline void store_f16x4(uint16_t* p, float32x4_t v) {
  vst1_u16(p, vreinterpret_u16_f16(vcvt_f16_f32(v)));
}

static inline float f16_to_f32(uint16_t h) {
  return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(h))), 0);
}

static inline uint16_t f32_to_f16(float f) {
  return vget_lane_u16(vreinterpret_u16_f16(vcvt_f16_f32(vdupq_n_f32(f))), 0);
}

// 4 bfloat16 -> 4 floats (a shift: exact).
static inline float32x4_t load_bf16x4(const uint16_t* p) {
  return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(p), 16));
}

// 4 bytes at p as one int32 (for broadcasting 4 activation bytes).
static inline int32_t load_i32(const void* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// In place: v[j] lane i = (old) v[i] lane j, lanes of 4 bytes (4 rows' 4 dwords -> 4 vectors of
// one dword per row).
static inline void transpose4x4_s32(int32x4_t v[4]) {
  const int32x4_t t0 = vtrn1q_s32(v[0], v[1]), t1 = vtrn2q_s32(v[0], v[1]);
  const int32x4_t t2 = vtrn1q_s32(v[2], v[3]), t3 = vtrn2q_s32(v[2], v[3]);
  v[0] = vreinterpretq_s32_s64(vtrn1q_s64(vreinterpretq_s64_s32(t0), vreinterpretq_s64_s32(t2)));
  v[1] = vreinterpretq_s32_s64(vtrn1q_s64(vreinterpretq_s64_s32(t1), vreinterpretq_s64_s32(t3)));
  v[2] = vreinterpretq_s32_s64(vtrn2q_s64(vreinterpretq_s64_s32(t0), vreinterpretq_s64_s32(t2)));
  v[3] = vreinterpretq_s32_s64(vtrn2q_s64(vreinterpretq_s64_s32(t1), vreinterpretq_s64_s32(t3)));
}

// Stores the first `rows` lanes of v at out (all 4 when rows >= 4, none when rows <= 0).
static inline void store_rows(float* out, float32x4_t v, int rows) {
  if (rows >= 4) {
    vst1q_f32(out, v);
  } else if (rows > 0) {
    float tmp[4];
    vst1q_f32(tmp, v);
    for (int i = 0; i < rows; ++i) out[i] = tmp[i];
  }
}

}  // namespace hearth::kernels::neon

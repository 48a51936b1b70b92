// NEON (no DotProd) matrix products for Q8_0 and Q4_0 weights: the tiles of
// gemm_q8_tiles_neon.hpp with a block's sums formed by smull / smlal into int16 lanes and sadalp
// into int32. Every int16 lane stays exact: Q8_0 adds two products (|w| <= 128, |x| <= 127:
// <= 32512), Q4_0 eight (nibbles <= 15: <= 15240).
#include "kernels/neon/gemm_q8_tiles_neon.hpp"

namespace hearth::kernels::neon {
namespace {

// 4 bytes (lane L of v) repeated in all four lanes.
template <int L>
int8x16_t bcast(int8x16_t v) {
  return vreinterpretq_s8_s32(vdupq_laneq_s32(vreinterpretq_s32_s8(v), L));
}

struct NeonOps {
  // Tile shapes: 16 rows x 2 tokens keep the int16 / int32 partial sums in registers; decode
  // streams two groups at once.
  static constexpr int kQuarters = 4, kTokens = 2, kDecodeQuarters = 8;

  template <WeightKind kKind, int Q, int T>
  static void block(const uint8_t* w, size_t group_bytes, const int8_t* const* x,
                    int32x4_t (&isum)[Q][T]) {
    int8x16_t xa[T], xb[T];
    for (int t = 0; t < T; ++t) {
      xa[t] = vld1q_s8(x[t]);
      xb[t] = vld1q_s8(x[t] + 16);
    }
    if constexpr (kKind == WeightKind::kQ8_0) {
      // Vectors 2p and 2p + 1 per step: lo lanes rows 0-1, hi lanes rows 2-3 (4 elements each).
      int32x4_t a[Q][T], c[Q][T];
      for (int q = 0; q < Q; ++q)
        for (int t = 0; t < T; ++t) a[q][t] = c[q][t] = vdupq_n_s32(0);
      unroll<4>([&](auto pc) {
        constexpr int j0 = 2 * decltype(pc)::value, j1 = j0 + 1;
        int8x16_t w0[Q], w1[Q];
        for (int q = 0; q < Q; ++q) {
          w0[q] = vld1q_s8(quarter_at(w, group_bytes, q, j0));
          w1[q] = vld1q_s8(quarter_at(w, group_bytes, q, j1));
        }
        for (int t = 0; t < T; ++t) {
          const int8x16_t x0 = bcast<j0 % 4>(j0 < 4 ? xa[t] : xb[t]);
          const int8x16_t x1 = bcast<j1 % 4>(j1 < 4 ? xa[t] : xb[t]);
          for (int q = 0; q < Q; ++q) {
            int16x8_t lo = vmull_s8(vget_low_s8(w0[q]), vget_low_s8(x0));
            lo = vmlal_s8(lo, vget_low_s8(w1[q]), vget_low_s8(x1));
            int16x8_t hi = vmull_high_s8(w0[q], x0);
            hi = vmlal_high_s8(hi, w1[q], x1);
            a[q][t] = vpadalq_s16(a[q][t], lo);
            c[q][t] = vpadalq_s16(c[q][t], hi);
          }
        }
      });
      for (int q = 0; q < Q; ++q)
        for (int t = 0; t < T; ++t) isum[q][t] = vpaddq_s32(a[q][t], c[q][t]);
    } else {
      // Vector j: low nibbles are elements 4j..4j+3, high nibbles 16+4j..16+4j+3.
      const uint8x16_t low4 = vdupq_n_u8(0x0F);
      int16x8_t lo16[Q][T], hi16[Q][T];
      for (int q = 0; q < Q; ++q)
        for (int t = 0; t < T; ++t) lo16[q][t] = hi16[q][t] = vdupq_n_s16(0);
      unroll<4>([&](auto jc) {
        constexpr int j = decltype(jc)::value;
        int8x16_t lo[Q], hi[Q];
        for (int q = 0; q < Q; ++q) {
          const uint8x16_t v =
              vld1q_u8(reinterpret_cast<const uint8_t*>(quarter_at(w, group_bytes, q, j)));
          lo[q] = vreinterpretq_s8_u8(vandq_u8(v, low4));
          hi[q] = vreinterpretq_s8_u8(vshrq_n_u8(v, 4));
        }
        for (int t = 0; t < T; ++t) {
          const int8x16_t xl = bcast<j>(xa[t]), xh = bcast<j>(xb[t]);
          for (int q = 0; q < Q; ++q) {
            lo16[q][t] = vmlal_s8(lo16[q][t], vget_low_s8(lo[q]), vget_low_s8(xl));
            hi16[q][t] = vmlal_high_s8(hi16[q][t], lo[q], xl);
            lo16[q][t] = vmlal_s8(lo16[q][t], vget_low_s8(hi[q]), vget_low_s8(xh));
            hi16[q][t] = vmlal_high_s8(hi16[q][t], hi[q], xh);
          }
        }
      });
      for (int q = 0; q < Q; ++q)
        for (int t = 0; t < T; ++t)
          isum[q][t] = vpaddq_s32(vpaddlq_s16(lo16[q][t]), vpaddlq_s16(hi16[q][t]));
    }
  }
};

}  // namespace

const GemmKernel kGemmQ8_0 = gemm_kernel<NeonOps, WeightKind::kQ8_0>();
const GemmKernel kGemmQ4_0 = gemm_kernel<NeonOps, WeightKind::kQ4_0>();

}  // namespace hearth::kernels::neon

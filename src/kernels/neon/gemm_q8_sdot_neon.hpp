// A Q8_0 / Q4_0 block's integer sums with sdot by lane (Armv8.2 DotProd): one instruction adds
// 4 rows' 4-byte products with one token's 4 activation bytes. Include only from the
// neon-dotprod and neon-i8mm files, after gemm_q8_tiles_neon.hpp (unnamed namespace: each
// includer compiles its own copy).
#pragma once

#include "kernels/neon/gemm_q8_tiles_neon.hpp"

namespace hearth::kernels::neon {
namespace {

struct SdotBlock {
  template <WeightKind kKind, int Q, int T>
  static void block(const uint8_t* w, size_t group_bytes, const int8_t* const* x,
                    int32x4_t (&isum)[Q][T]) {
    int8x16_t xa[T], xb[T];
    for (int t = 0; t < T; ++t) {
      xa[t] = vld1q_s8(x[t]);
      xb[t] = vld1q_s8(x[t] + 16);
      for (int q = 0; q < Q; ++q) isum[q][t] = vdupq_n_s32(0);
    }
    if constexpr (kKind == WeightKind::kQ8_0) {
      unroll<8>([&](auto jc) {
        constexpr int j = decltype(jc)::value;
        int8x16_t wv[Q];
        for (int q = 0; q < Q; ++q) wv[q] = vld1q_s8(quarter_at(w, group_bytes, q, j));
        for (int t = 0; t < T; ++t)
          for (int q = 0; q < Q; ++q)
            isum[q][t] = vdotq_laneq_s32(isum[q][t], wv[q], j < 4 ? xa[t] : xb[t], j % 4);
      });
    } else {
      const uint8x16_t low4 = vdupq_n_u8(0x0F);
      unroll<4>([&](auto jc) {
        constexpr int j = decltype(jc)::value;
        int8x16_t lo[Q], hi[Q];
        for (int q = 0; q < Q; ++q) {
          const uint8x16_t v =
              vld1q_u8(reinterpret_cast<const uint8_t*>(quarter_at(w, group_bytes, q, j)));
          lo[q] = vreinterpretq_s8_u8(vandq_u8(v, low4));
          hi[q] = vreinterpretq_s8_u8(vshrq_n_u8(v, 4));
        }
        for (int t = 0; t < T; ++t)
          for (int q = 0; q < Q; ++q) {
            isum[q][t] = vdotq_laneq_s32(isum[q][t], lo[q], xa[t], j);
            isum[q][t] = vdotq_laneq_s32(isum[q][t], hi[q], xb[t], j);
          }
      });
    }
  }
};

}  // namespace
}  // namespace hearth::kernels::neon

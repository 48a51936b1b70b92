// NEON I8MM matrix products for Q8_0 and Q4_0 weights: the tiles of gemm_q8_tiles_neon.hpp with
// smmla, which multiplies a 2x8 by an 8x2 int8 matrix into 2x2 int32 sums: two weight rows'
// 8 consecutive bytes (two R16 vectors zipped) against two tokens' 8 activation bytes. A token
// without a partner (decode, odd batches) takes sdot (i8mm CPUs all have DotProd). The integer
// sums are exact, so the results have the same bits as the neon and neon-dotprod kernels.
#include "kernels/neon/gemm_q8_sdot_neon.hpp"
#include "kernels/neon/gemm_q8_tiles_neon.hpp"

namespace hearth::kernels::neon_i8mm {
namespace {

using neon::quarter_at;
using neon::unroll;
using neon::WeightKind;

// Two tokens' 8 bytes at offset off: the 8x2 operand of smmla.
int8x16_t token_pair(const int8_t* const* x, int t, int off) {
  return vcombine_s8(vld1_s8(x[t] + off), vld1_s8(x[t + 1] + off));
}

// Rows 0-1 and 2-3 of a quarter, 8 bytes each, from vectors j and j + 1 (lanes are rows).
void zip_rows(int8x16_t a, int8x16_t b, int8x16_t* r01, int8x16_t* r23) {
  const int32x4_t a32 = vreinterpretq_s32_s8(a), b32 = vreinterpretq_s32_s8(b);
  *r01 = vreinterpretq_s8_s32(vzip1q_s32(a32, b32));
  *r23 = vreinterpretq_s8_s32(vzip2q_s32(a32, b32));
}

struct I8mmOps {
  static constexpr int kQuarters = 4, kTokens = 4, kDecodeQuarters = 8;

  template <WeightKind kKind, int Q, int T>
  static void block(const uint8_t* w, size_t group_bytes, const int8_t* const* x,
                    int32x4_t (&isum)[Q][T]) {
    constexpr int P = T / 2;  // token pairs
    if constexpr (P == 0) {
      neon::SdotBlock::block<kKind, Q, T>(w, group_bytes, x, isum);
    } else {
      // m[q][p][h]: rows 2h, 2h+1 of quarter q x tokens 2p, 2p+1, as [r0t0, r0t1, r1t0, r1t1].
      int32x4_t m[Q][P][2];
      for (int q = 0; q < Q; ++q)
        for (int p = 0; p < P; ++p) m[q][p][0] = m[q][p][1] = vdupq_n_s32(0);
      if constexpr (kKind == WeightKind::kQ8_0) {
        unroll<4>([&](auto jc) {
          constexpr int j = 2 * decltype(jc)::value;  // vectors j, j + 1: bytes 4j..4j+7
          int8x16_t b[P];
          for (int p = 0; p < P; ++p) b[p] = token_pair(x, 2 * p, 4 * j);
          for (int q = 0; q < Q; ++q) {
            int8x16_t r01, r23;
            zip_rows(vld1q_s8(quarter_at(w, group_bytes, q, j)),
                     vld1q_s8(quarter_at(w, group_bytes, q, j + 1)), &r01, &r23);
            for (int p = 0; p < P; ++p) {
              m[q][p][0] = vmmlaq_s32(m[q][p][0], r01, b[p]);
              m[q][p][1] = vmmlaq_s32(m[q][p][1], r23, b[p]);
            }
          }
        });
      } else {
        const uint8x16_t low4 = vdupq_n_u8(0x0F);
        unroll<2>([&](auto jc) {
          // Vectors j, j + 1: low nibbles elements 4j..4j+7, high ones 16+4j..16+4j+7.
          constexpr int j = 2 * decltype(jc)::value;
          int8x16_t bl[P], bh[P];
          for (int p = 0; p < P; ++p) {
            bl[p] = token_pair(x, 2 * p, 4 * j);
            bh[p] = token_pair(x, 2 * p, 16 + 4 * j);
          }
          for (int q = 0; q < Q; ++q) {
            const uint8x16_t v0 =
                vld1q_u8(reinterpret_cast<const uint8_t*>(quarter_at(w, group_bytes, q, j)));
            const uint8x16_t v1 =
                vld1q_u8(reinterpret_cast<const uint8_t*>(quarter_at(w, group_bytes, q, j + 1)));
            int8x16_t lo01, lo23, hi01, hi23;
            zip_rows(vreinterpretq_s8_u8(vandq_u8(v0, low4)),
                     vreinterpretq_s8_u8(vandq_u8(v1, low4)), &lo01, &lo23);
            zip_rows(vreinterpretq_s8_u8(vshrq_n_u8(v0, 4)), vreinterpretq_s8_u8(vshrq_n_u8(v1, 4)),
                     &hi01, &hi23);
            for (int p = 0; p < P; ++p) {
              m[q][p][0] = vmmlaq_s32(vmmlaq_s32(m[q][p][0], lo01, bl[p]), hi01, bh[p]);
              m[q][p][1] = vmmlaq_s32(vmmlaq_s32(m[q][p][1], lo23, bl[p]), hi23, bh[p]);
            }
          }
        });
      }
      for (int q = 0; q < Q; ++q)
        for (int p = 0; p < P; ++p) {
          isum[q][2 * p] = vuzp1q_s32(m[q][p][0], m[q][p][1]);
          isum[q][2 * p + 1] = vuzp2q_s32(m[q][p][0], m[q][p][1]);
        }
      if constexpr (T % 2 == 1) {
        int32x4_t last[Q][1];
        neon::SdotBlock::block<kKind, Q, 1>(w, group_bytes, x + (T - 1), last);
        for (int q = 0; q < Q; ++q) isum[q][T - 1] = last[q][0];
      }
    }
  }
};

}  // namespace

const GemmKernel kGemmQ8_0 = neon::gemm_kernel<I8mmOps, WeightKind::kQ8_0>();
const GemmKernel kGemmQ4_0 = neon::gemm_kernel<I8mmOps, WeightKind::kQ4_0>();

}  // namespace hearth::kernels::neon_i8mm

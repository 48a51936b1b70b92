// NEON (no DotProd) batch matrix products for Q4_K and Q6_K weights: the tiles of
// gemm_kquant_tiles_neon.hpp with a sub-block's sums formed by smull / smlal into int16 lanes and
// pairwise adds into int32. Every int16 lane stays exact: Q4_K adds 8 products of a value 0..15
// and |x| <= 128 (<= 15360), Q6_K 4 products of a value -32..31 (<= 16384).
#include "kernels/neon/gemm_kquant_tiles_neon.hpp"
#include "kernels/neon/neon_kernels.hpp"

namespace hearth::kernels::neon {
namespace {

struct NeonKOps {
  // 8 rows x 2 tokens: the int16 partial sums, the int32 sums and the float accumulators stay in
  // the 32 vector registers.
  static constexpr int kQuarters = 2, kTokens = 2;

  // sub[q][t] lane i = sum over vectors v0 .. v0 + kSteps - 1 of row (4q + i) . token t.
  template <int kSteps, int Q, int T>
  static void sub_block(const uint8_t* const* ws, int v0, const int8_t* const* x,
                        int32x4_t (&sub)[Q][T]) {
    int16x8_t lo[Q][T], hi[Q][T];  // lo: rows 0-1 of the quarter, hi: rows 2-3 (4 lanes each)
    for (int q = 0; q < Q; ++q)
      for (int t = 0; t < T; ++t) lo[q][t] = hi[q][t] = vdupq_n_s16(0);
    for (int v = 0; v < kSteps; ++v) {
      int8x16_t w[Q];
      for (int q = 0; q < Q; ++q) w[q] = vld1q_s8(vec_at(ws[q], v0 + v));
      for (int t = 0; t < T; ++t) {
        const int8x16_t xb = vreinterpretq_s8_s32(
            vld1q_dup_s32(reinterpret_cast<const int32_t*>(x[t] + 4 * (v0 + v))));
        for (int q = 0; q < Q; ++q) {
          lo[q][t] = vmlal_s8(lo[q][t], vget_low_s8(w[q]), vget_low_s8(xb));
          hi[q][t] = vmlal_high_s8(hi[q][t], w[q], xb);
        }
      }
    }
    for (int q = 0; q < Q; ++q)
      for (int t = 0; t < T; ++t)
        sub[q][t] = vpaddq_s32(vpaddlq_s16(lo[q][t]), vpaddlq_s16(hi[q][t]));
  }
};

}  // namespace

const GemmKernel kGemmQ4_K = kquant_gemm_kernel<NeonKOps, false>();
const GemmKernel kGemmQ6_K = kquant_gemm_kernel<NeonKOps, true>();

}  // namespace hearth::kernels::neon

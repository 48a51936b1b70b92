// NEON DotProd batch matrix products for Q4_K and Q6_K weights: the tiles of
// gemm_kquant_tiles_neon.hpp with sdot, one instruction adding 4 rows' 4-byte products with one
// token's 4 activation bytes (exact in int32). The same bits as the neon kernels.
#include "kernels/neon/gemm_kquant_tiles_neon.hpp"
#include "kernels/neon/neon_kernels.hpp"

namespace hearth::kernels::neon_dotprod {
namespace {

struct DotprodKOps {
  // 8 rows x 3 tokens: 6 sub-block sums, 6 super-block sums and 6 float accumulators.
  static constexpr int kQuarters = 2, kTokens = 3;

  template <int kSteps, int Q, int T>
  static void sub_block(const uint8_t* const* ws, int v0, const int8_t* const* x,
                        int32x4_t (&sub)[Q][T]) {
    for (int q = 0; q < Q; ++q)
      for (int t = 0; t < T; ++t) sub[q][t] = vdupq_n_s32(0);
    for (int v = 0; v < kSteps; ++v) {
      int8x16_t w[Q];
      for (int q = 0; q < Q; ++q) w[q] = vld1q_s8(neon::vec_at(ws[q], v0 + v));
      for (int t = 0; t < T; ++t) {
        const int8x16_t xb = vreinterpretq_s8_s32(
            vld1q_dup_s32(reinterpret_cast<const int32_t*>(x[t] + 4 * (v0 + v))));
        for (int q = 0; q < Q; ++q) sub[q][t] = vdotq_s32(sub[q][t], w[q], xb);
      }
    }
  }
};

}  // namespace

const GemmKernel kGemmQ4_K = neon::kquant_gemm_kernel<DotprodKOps, false>();
const GemmKernel kGemmQ6_K = neon::kquant_gemm_kernel<DotprodKOps, true>();

}  // namespace hearth::kernels::neon_dotprod

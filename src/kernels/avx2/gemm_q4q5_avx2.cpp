// AVX2 matrix products for Q4_1, Q5_0 and Q5_1 weights (the tiles of
// gemm_q4q5_tiles_avx2.hpp) with vpmaddubsw, whose int16 pair sums saturate: each step sum below
// is bounded in int16.
#include "kernels/avx2/gemm_q4q5_r16_tiles_avx2.hpp"
#include "kernels/avx2/gemm_q4q5_tiles_avx2.hpp"

#include <immintrin.h>

#include "kernels/avx2/avx2_kernels.hpp"

namespace hearth::kernels::avx2 {
namespace {

struct Avx2Q45Ops {
  // Values (<= 31) times x (-128..127) by pairs: <= 2 * 31 * 128 = 7936 per step, so the 4 steps
  // of a round add up in int16 (<= 31744); vpmaddwd by ones then widens the pairs exactly.
  static __m256i step(__m256i acc16, __m256i w, __m256i x) {
    return _mm256_add_epi16(acc16, _mm256_maddubs_epi16(w, x));
  }
  static __m256i finish(__m256i acc16) { return _mm256_madd_epi16(acc16, _mm256_set1_epi16(1)); }
};

}  // namespace

const GemmKernel kGemmQ4_1 = q45_gemm_kernel<Avx2Q45Ops, Q45::kQ4_1>();
const GemmKernel kGemmQ5_0 = q45_gemm_kernel<Avx2Q45Ops, Q45::kQ5_0>();
const GemmKernel kGemmQ5_1 = q45_gemm_kernel<Avx2Q45Ops, Q45::kQ5_1>();
// The same products from weights repacked at load (R16, gemm_q4q5_r16_tiles_avx2.hpp).
const GemmKernel kGemmQ4_1R16 = q45_r16_gemm_kernel<Avx2Q45Ops, Q45::kQ4_1>();
const GemmKernel kGemmQ5_0R16 = q45_r16_gemm_kernel<Avx2Q45Ops, Q45::kQ5_0>();
const GemmKernel kGemmQ5_1R16 = q45_r16_gemm_kernel<Avx2Q45Ops, Q45::kQ5_1>();

}  // namespace hearth::kernels::avx2

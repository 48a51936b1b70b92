// AVX2 products of Q4_1, Q5_0 and Q5_1 weights repacked at load (the R16 layout,
// kernels/packed_rows_q4q5.hpp; the tiles of gemm_q4q5_r16_tiles_avx2.hpp) with vpmaddubsw, whose
// int16 pair sums saturate: each round of steps below is bounded in int16.
#include <immintrin.h>

#include "kernels/avx2/avx2_kernels.hpp"
#include "kernels/avx2/gemm_q4q5_r16_tiles_avx2.hpp"

namespace hearth::kernels::avx2 {
namespace {

// The step of gemm_q4q5_avx2.cpp (the same integers): values (<= 31) times x (-128..127) by
// pairs, <= 2 * 31 * 128 = 7936 per step, summed in int16 over a round (<= 31744), then widened
// exactly by vpmaddwd with ones.
struct Avx2R16Ops {
  static __m256i step(__m256i acc16, __m256i w, __m256i x) {
    return _mm256_add_epi16(acc16, _mm256_maddubs_epi16(w, x));
  }
  static __m256i finish(__m256i acc16) { return _mm256_madd_epi16(acc16, _mm256_set1_epi16(1)); }
};

}  // namespace

const GemmKernel kGemmQ4_1R16 = q45_r16_gemm_kernel<Avx2R16Ops, Q45::kQ4_1>();
const GemmKernel kGemmQ5_0R16 = q45_r16_gemm_kernel<Avx2R16Ops, Q45::kQ5_0>();
const GemmKernel kGemmQ5_1R16 = q45_r16_gemm_kernel<Avx2R16Ops, Q45::kQ5_1>();

}  // namespace hearth::kernels::avx2

// AVX2 batch matrix products for Q4_K, Q5_K and Q6_K weights (the tiles of
// gemm_kquant_tiles_avx2.hpp) with vpmaddubsw, whose int16 pair sums saturate: each step sum below
// is bounded in int16.
#include "kernels/avx2/gemm_kquant_r16_tiles_avx2.hpp"

#include <immintrin.h>

#include "kernels/avx2/avx2_kernels.hpp"

namespace hearth::kernels::avx2 {
namespace {

struct Avx2KOps {
  // Values (Q4_K 0..15, Q5_K 0..31, Q6_K 0..63) times x (-128..127) by pairs: Q4_K's 8 steps of a
  // sub-block add up in int16 (<= 8 * 2 * 15 * 128 = 30720), Q5_K's 4 (<= 4 * 2 * 31 * 128 =
  // 31744), Q6_K's only two at a time (<= 2 * 2 * 63 * 128 = 32256); vpmaddwd by the scale pair
  // (sc, sc) then gives sc * sum in int32.
  static constexpr int kQ6Steps = 2;
  static __m256i step(__m256i acc16, __m256i w, __m256i x) {
    return _mm256_add_epi16(acc16, _mm256_maddubs_epi16(w, x));
  }
  static __m256i scale(__m256i sc_pair) { return sc_pair; }
  static __m256i finish(__m256i acc16, __m256i sc_pair) {
    return _mm256_madd_epi16(acc16, sc_pair);
  }
};

}  // namespace

// Q4_K and Q6_K with run_packed on the R16 layout written at load (gemm_kquant_r16_tiles_avx2.hpp).
const GemmKernel kGemmQ4_K = kquant_r16_gemm_kernel<Avx2KOps, false>();
const GemmKernel kGemmQ6_K = kquant_r16_gemm_kernel<Avx2KOps, true>();
const GemmKernel kGemmQ5_K = kquant_gemm_kernel<Avx2KOps, false, true>();

}  // namespace hearth::kernels::avx2

// AVX2 batch matrix products for Q5_K weights (the tiles of gemm_q5k_tiles_avx2.hpp) with
// vpmaddubsw, whose int16 pair sums saturate: each round below stays within int16.
#include "kernels/avx2/gemm_q5k_tiles_avx2.hpp"

#include <immintrin.h>

#include "kernels/avx2/avx2_kernels.hpp"

namespace hearth::kernels::avx2 {
namespace {

struct Avx2Q5KOps {
  // Values 0..31 times x (-128..127) by pairs: <= 7936 per step, 31744 after a round of 4;
  // vpmaddwd by the scale pair (sc, sc) then gives sc * sum in int32.
  static __m256i step(__m256i acc16, __m256i w, __m256i x) {
    return _mm256_add_epi16(acc16, _mm256_maddubs_epi16(w, x));
  }
  static __m256i scale(__m256i sc_pair) { return sc_pair; }
  static __m256i finish(__m256i acc16, __m256i sc_pair) {
    return _mm256_madd_epi16(acc16, sc_pair);
  }
};

}  // namespace

const GemmKernel kGemmQ5_K = q5k_gemm_kernel<Avx2Q5KOps>();

}  // namespace hearth::kernels::avx2

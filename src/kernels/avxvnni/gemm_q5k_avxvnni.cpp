// AVX-VNNI batch matrix products for Q5_K weights: the tiles of avx2/gemm_q5k_tiles_avx2.hpp with
// one vpdpbusd per weight vector and token (int32 sums, no saturation), then vpmulld by the scale.
#include "kernels/avx2/gemm_q5k_tiles_avx2.hpp"

#include <immintrin.h>

#include "kernels/avxvnni/avxvnni_kernels.hpp"

namespace hearth::kernels::avxvnni {
namespace {

struct VnniQ5KOps {
  static __m256i step(__m256i acc, __m256i w, __m256i x) {
    return _mm256_dpbusd_avx_epi32(acc, w, x);
  }
  // The scale pair (sc, sc) as one int32 sc (0..63).
  static __m256i scale(__m256i sc_pair) { return _mm256_srli_epi32(sc_pair, 16); }
  static __m256i finish(__m256i acc, __m256i sc) { return _mm256_mullo_epi32(acc, sc); }
};

}  // namespace

const GemmKernel kGemmQ5_K = avx2::q5k_gemm_kernel<VnniQ5KOps>();

}  // namespace hearth::kernels::avxvnni

// AVX-VNNI batch matrix products for Q4_K, Q5_K and Q6_K weights: the tiles of
// avx2/gemm_kquant_tiles_avx2.hpp with one vpdpbusd per weight vector and token (4 u8 x s8
// products into an int32 lane, no saturation), where AVX2 needs vpmaddubsw + vpaddw.
#include "kernels/avx2/gemm_kquant_r16_tiles_avx2.hpp"

#include <immintrin.h>

#include "kernels/avxvnni/avxvnni_kernels.hpp"

namespace hearth::kernels::avxvnni {
namespace {

struct VnniKOps {
  // int32 sums never saturate: a whole Q6_K sub-block (4 steps) per scale multiply.
  static constexpr int kQ6Steps = 4;
  static __m256i step(__m256i acc, __m256i w, __m256i x) {
    return _mm256_dpbusd_avx_epi32(acc, w, x);
  }
  // The scale pair (sc, sc) as one int32 sc (sign-extended: Q6_K's scales are signed).
  static __m256i scale(__m256i sc_pair) {
    return _mm256_srai_epi32(_mm256_slli_epi32(sc_pair, 16), 16);
  }
  static __m256i finish(__m256i acc, __m256i sc) { return _mm256_mullo_epi32(acc, sc); }
};

}  // namespace

// Q4_K and Q6_K with run_packed on the R16 layout (avx2/gemm_kquant_r16_tiles_avx2.hpp).
const GemmKernel kGemmQ4_K = avx2::kquant_r16_gemm_kernel<VnniKOps, false>();
const GemmKernel kGemmQ6_K = avx2::kquant_r16_gemm_kernel<VnniKOps, true>();
const GemmKernel kGemmQ5_K = avx2::kquant_gemm_kernel<VnniKOps, false, true>();

}  // namespace hearth::kernels::avxvnni

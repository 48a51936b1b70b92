// AVX-VNNI batch matrix products for Q4_1, Q5_0 and Q5_1 weights: the tiles of
// avx2/gemm_q4q5_tiles_avx2.hpp with one vpdpbusd per weight vector and token (4 u8 x s8
// products into an int32 lane, no saturation), where AVX2 needs vpmaddubsw + vpaddw.
#include "kernels/avx2/gemm_q4q5_r16_tiles_avx2.hpp"
#include "kernels/avx2/gemm_q4q5_tiles_avx2.hpp"

#include <immintrin.h>

#include "kernels/avxvnni/avxvnni_kernels.hpp"

namespace hearth::kernels::avxvnni {
namespace {

struct VnniQ45Ops {
  static __m256i step(__m256i acc, __m256i w, __m256i x) {
    return _mm256_dpbusd_avx_epi32(acc, w, x);
  }
  static __m256i finish(__m256i acc) { return acc; }
};

}  // namespace

const GemmKernel kGemmQ4_1 = avx2::q45_gemm_kernel<VnniQ45Ops, avx2::Q45::kQ4_1>();
const GemmKernel kGemmQ5_0 = avx2::q45_gemm_kernel<VnniQ45Ops, avx2::Q45::kQ5_0>();
const GemmKernel kGemmQ5_1 = avx2::q45_gemm_kernel<VnniQ45Ops, avx2::Q45::kQ5_1>();
// The same products from weights repacked at load (R16, avx2/gemm_q4q5_r16_tiles_avx2.hpp).
const GemmKernel kGemmQ4_1R16 = avx2::q45_r16_gemm_kernel<VnniQ45Ops, avx2::Q45::kQ4_1>();
const GemmKernel kGemmQ5_0R16 = avx2::q45_r16_gemm_kernel<VnniQ45Ops, avx2::Q45::kQ5_0>();
const GemmKernel kGemmQ5_1R16 = avx2::q45_r16_gemm_kernel<VnniQ45Ops, avx2::Q45::kQ5_1>();

}  // namespace hearth::kernels::avxvnni

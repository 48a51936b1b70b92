// AVX-VNNI matrix products for Q8_0 and Q4_0 weights: the tiles of avx2/gemm_q8_tiles_avx2.hpp
// with one vpdpbusd (4 u8 x s8 products summed into an int32 lane, no intermediate saturation)
// per weight vector and token, where AVX2 needs vpmaddubsw + vpmaddwd + vpaddd (and vpsignb).
#include "kernels/avx2/gemm_q8_tiles_avx2.hpp"

#include <immintrin.h>

#include "kernels/avxvnni/avxvnni_kernels.hpp"

namespace hearth::kernels::avxvnni {
namespace {

using avx2::WeightKind;

struct VnniOps {
  // vpdpbusd's unsigned operand is the weight: Q8_0 as w + 128 (xor 0x80), whose offset the
  // prepared corr = -128 * sum(x) removes; Q4_0 as its nibbles q = w + 8 (corr = -8 * sum(x)).
  static constexpr int kQ8Offset = 128;
  struct Q8Weight {
    __m256i u;
  };
  static Q8Weight q8_weight(__m256i w) {
    return {_mm256_xor_si256(w, _mm256_set1_epi8(static_cast<char>(0x80)))};
  }
  static __m256i q8_dot(__m256i acc, const Q8Weight& w, __m256i x) {
    return _mm256_dpbusd_avx_epi32(acc, w.u, x);
  }
  static __m256i q4_dot(__m256i acc, __m256i q, __m256i x) {
    return _mm256_dpbusd_avx_epi32(acc, q, x);
  }
  template <WeightKind>
  static __m256i begin(__m256i corr) {
    return corr;
  }
  template <WeightKind>
  static __m256i end(__m256i isum, __m256i) {
    return isum;
  }
  // Tile shapes (8-row halves x tokens): 2x4 was the fastest prefill tile on Zen 5 (2x2, 4x2, 1x4
  // 10-20% slower); decode reads two groups' streams at once.
  static constexpr int kHalves = 2, kTokens = 4;
  static constexpr int kDecodeHalves = 4;
};

}  // namespace

const GemmKernel kGemmQ8_0 = avx2::gemm_kernel<VnniOps, WeightKind::kQ8_0>();
const GemmKernel kGemmQ4_0 = avx2::gemm_kernel<VnniOps, WeightKind::kQ4_0>();

}  // namespace hearth::kernels::avxvnni

// AVX2 matrix products for Q8_0 and Q4_0 weights (the tiles of gemm_q8_tiles_avx2.hpp), with
// u8 x s8 products by vpmaddubsw, whose int16 pair sums saturate: each Ops step below stays within
// int16, so every block's integer sum is exact.
#include "kernels/avx2/gemm_q8_tiles_avx2.hpp"

#include <immintrin.h>

#include "kernels/avx2/avx2_kernels.hpp"

namespace hearth::kernels::avx2 {
namespace {

struct Avx2Ops {
  // Q8_0 weights stay signed (no offset, corr = 0): the unsigned operand is |w| (128 for -128,
  // still exact) and the signed one x * sign(w), so a pair sum is at most 2 * 128 * 127 = 32512.
  // x is never -128 (the Q8_0 quantizer gives |q| <= 127 for finite inputs).
  static constexpr int kQ8Offset = 0;
  struct Q8Weight {
    __m256i abs, sign;
  };
  static Q8Weight q8_weight(__m256i w) { return {_mm256_abs_epi8(w), w}; }
  static __m256i q8_dot(__m256i acc, const Q8Weight& w, __m256i x) {
    const __m256i p = _mm256_maddubs_epi16(w.abs, _mm256_sign_epi8(x, w.sign));
    return _mm256_add_epi32(acc, _mm256_madd_epi16(p, _mm256_set1_epi16(1)));
  }
  // Q4_0 nibbles q = w + 8 (0..15) times x: a pair sum is at most 2 * 15 * 128 = 3840, so the 8
  // steps of a block (8 pairs per lane pair) add up in int16 (<= 30720) before one vpmaddwd; the
  // prepared corr = -8 * sum(x) then removes the offset.
  static __m256i q4_dot(__m256i acc16, __m256i q, __m256i x) {
    return _mm256_add_epi16(acc16, _mm256_maddubs_epi16(q, x));
  }
  template <WeightKind kKind>
  static __m256i begin(__m256i corr) {
    return kKind == WeightKind::kQ8_0 ? corr : _mm256_setzero_si256();
  }
  template <WeightKind kKind>
  static __m256i end(__m256i isum, __m256i corr) {
    if constexpr (kKind == WeightKind::kQ8_0) return isum;
    return _mm256_add_epi32(_mm256_madd_epi16(isum, _mm256_set1_epi16(1)), corr);
  }
  // Tile shapes (8-row halves x tokens), measured on Zen 5 (1x4, 2x2, 2x4, 4x2: within noise for
  // prefill; the float accumulators, touched once per block, may live on the stack). Decode: two
  // groups' streams at once.
  static constexpr int kHalves = 2, kTokens = 4;
  static constexpr int kDecodeHalves = 4;
};

}  // namespace

const GemmKernel kGemmQ8_0 = gemm_kernel<Avx2Ops, WeightKind::kQ8_0>();
const GemmKernel kGemmQ4_0 = gemm_kernel<Avx2Ops, WeightKind::kQ4_0>();

}  // namespace hearth::kernels::avx2

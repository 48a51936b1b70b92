// AVX2 dot products of Q2_K and Q3_K weight rows with Q8_K activations (the types of
// llama-quantize's Q2_K and Q3_K_* mixes), bit-identical to the scalar references in
// scalar/dot_scalar_k23.cpp: the same exact integers, then the same float steps in the same
// order (no contraction in kernel files).
#include <immintrin.h>

#include <cstdint>

#include "hearth/quant.hpp"
#include "kernels/avx2/avx2_kernels.hpp"
#include "kernels/avx2/simd_avx2.hpp"

namespace hearth::kernels::avx2 {
namespace {

int hsum_i32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(s);
}

// Two int16 scales, one per 128-bit half (16 elements each).
__m256i scale_pair(int lo, int hi) {
  return _mm256_set_m128i(_mm_set1_epi16(static_cast<short>(hi)),
                          _mm_set1_epi16(static_cast<short>(lo)));
}

}  // namespace

// Q2_K: per 128 elements, byte l of qs (32 bytes) holds elements l, l+32, l+64, l+96 in bit
// pairs 0-1, 2-3, 4-5, 6-7; each 16 elements have a 4-bit scale (low nibble of scales[j]) and
// a 4-bit min (high nibble), the min term going through the activation block sums.
float dot_q2_k(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const BlockQ2_K*>(wv);
  const auto* x = static_cast<const BlockQ8_K*>(xv);
  const __m256i three = _mm256_set1_epi8(3);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const uint8_t* sc = w[i].scales;
    int summs = 0;
    for (int j = 0; j < 16; ++j) summs += x[i].bsums[j] * (sc[j] >> 4);
    const float dall = x[i].d * _cvtsh_ss(w[i].d);
    const float dmin = x[i].d * _cvtsh_ss(w[i].dmin);
    __m256i acc = _mm256_setzero_si256();
    for (int k = 0; k < 2; ++k) {
      const __m256i q2 = load32(w[i].qs + 32 * k);
      for (int s = 0; s < 4; ++s) {
        // Values 0..3 times |x| <= 128: int16 pair sums exact, scaled (<= 15) sums exact too.
        const __m256i q = _mm256_and_si256(_mm256_srli_epi16(q2, 2 * s), three);
        const __m256i p = _mm256_maddubs_epi16(q, load32(x[i].qs + 128 * k + 32 * s));
        const int is = 8 * k + 2 * s;
        acc =
            _mm256_add_epi32(acc, _mm256_madd_epi16(p, scale_pair(sc[is] & 0xF, sc[is + 1] & 0xF)));
      }
    }
    sum += dall * static_cast<float>(hsum_i32(acc)) - dmin * static_cast<float>(summs);
  }
  return sum;
}

// Q3_K: a = (2 low bits from qs) - 4 unless the element's hmask bit is set, times a 6-bit
// scale - 32 per 16 elements. The scalar kernel keeps 8 int32 sums by element index mod 8 and 8
// float lanes; so do the 8 int32 lanes here (products widened to int16: |q8 * a * scale| <=
// 128 * 4 * 32 = 16384 fits).
float dot_q3_k(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const BlockQ3_K*>(wv);
  const auto* x = static_cast<const BlockQ8_K*>(xv);
  const __m256i three = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1), four = _mm256_set1_epi8(4);
  __m256 lanes = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int scales[16];
    for (int j = 0; j < 16; ++j) {
      const int lo = j < 8 ? w[i].scales[j] & 0xF : w[i].scales[j - 8] >> 4;
      scales[j] = (lo | (((w[i].scales[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32;
    }
    const __m256i hm = load32(w[i].hmask);
    __m256i acc = _mm256_setzero_si256();
    int bit = 0;
    for (int k = 0; k < 2; ++k) {
      const __m256i q3 = load32(w[i].qs + 32 * k);
      for (int s = 0; s < 4; ++s, ++bit) {
        // Elements 128k + 32s + l, l = 0..31: a = (q | (h << 2)) - 4.
        const __m256i q = _mm256_and_si256(_mm256_srli_epi16(q3, 2 * s), three);
        const __m256i h = _mm256_and_si256(_mm256_srli_epi16(hm, bit), one);
        const __m256i a = _mm256_sub_epi8(_mm256_or_si256(q, _mm256_slli_epi16(h, 2)), four);
        const __m256i xq = load32(x[i].qs + 128 * k + 32 * s);
        const int j = 8 * k + 2 * s;  // the 16-element sub-block of elements l = 0..15
        for (int half = 0; half < 2; ++half) {
          const __m128i a8 = half ? _mm256_extracti128_si256(a, 1) : _mm256_castsi256_si128(a);
          const __m128i x8 = half ? _mm256_extracti128_si256(xq, 1) : _mm256_castsi256_si128(xq);
          const __m256i p = _mm256_mullo_epi16(
              _mm256_mullo_epi16(_mm256_cvtepi8_epi16(a8), _mm256_cvtepi8_epi16(x8)),
              _mm256_set1_epi16(static_cast<short>(scales[j + half])));
          // Elements 0..7 and 8..15 of the sub-block: int32 lanes by index mod 8.
          acc = _mm256_add_epi32(acc, _mm256_cvtepi16_epi32(_mm256_castsi256_si128(p)));
          acc = _mm256_add_epi32(acc, _mm256_cvtepi16_epi32(_mm256_extracti128_si256(p, 1)));
        }
      }
    }
    const float d = _cvtsh_ss(w[i].d) * x[i].d;
    lanes = _mm256_add_ps(lanes, _mm256_mul_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(acc)));
  }
  float l[8];
  _mm256_storeu_ps(l, lanes);
  float sum = 0;
  for (float v : l) sum += v;
  return sum;
}

}  // namespace hearth::kernels::avx2

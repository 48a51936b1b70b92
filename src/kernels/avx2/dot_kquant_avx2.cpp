// AVX2 dot products of Q4_K and Q6_K weight rows with Q8_K activations. The integer sum of a
// whole super-block is built in int32 lanes (maddubs, then madd with the sub-block scales),
// reduced to one exact integer, and scaled exactly as the scalar kernel does (no contraction in
// kernel files): the result is bit-identical to the scalar reference.
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

// The 6-bit scales and mins of the 8 sub-blocks of a Q4_K block (same unpacking as
// hearth::k_scale_min, repeated here so no inline function is compiled with AVX2 flags).
void unpack_scales(const uint8_t* q, int* sc, int* m) {
  for (int j = 0; j < 4; ++j) {
    sc[j] = q[j] & 63;
    m[j] = q[j + 4] & 63;
  }
  for (int j = 4; j < 8; ++j) {
    sc[j] = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    m[j] = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

}  // namespace

float dot_q4_k(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const BlockQ4_K*>(wv);
  const auto* x = static_cast<const BlockQ8_K*>(xv);
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int sc[8], m[8];
    unpack_scales(w[i].scales, sc, m);
    __m256i acc = _mm256_setzero_si256();
    for (int c = 0; c < 4; ++c) {
      const __m256i q = load32(w[i].qs + 32 * c);
      const __m256i lo = _mm256_and_si256(q, low4);
      const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
      // Nibbles (<= 15) times |x| <= 127: int16 pair sums and scaled int32 sums are exact.
      const __m256i p0 = _mm256_maddubs_epi16(lo, load32(x[i].qs + 64 * c));
      const __m256i p1 = _mm256_maddubs_epi16(hi, load32(x[i].qs + 64 * c + 32));
      acc = _mm256_add_epi32(
          acc, _mm256_madd_epi16(p0, _mm256_set1_epi16(static_cast<short>(sc[2 * c]))));
      acc = _mm256_add_epi32(
          acc, _mm256_madd_epi16(p1, _mm256_set1_epi16(static_cast<short>(sc[2 * c + 1]))));
    }
    int summ = 0;
    for (int j = 0; j < 8; ++j) summ += m[j] * (x[i].bsums[2 * j] + x[i].bsums[2 * j + 1]);
    sum += _cvtsh_ss(w[i].d) * x[i].d * static_cast<float>(hsum_i32(acc)) -
           _cvtsh_ss(w[i].dmin) * x[i].d * static_cast<float>(summ);
  }
  return sum;
}

// Q6_K: per half of 128, byte l of ql (l < 64) and qh (l < 32) give elements l, l+32, l+64,
// l+96 (see the scalar kernel). q is unsigned 0..63 here; the -32 offset is applied through the
// activation block sums: sum(sc * (q - 32) * x) = sum(sc * q * x) - 32 * sum(sc * bsum).
float dot_q6_k(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const BlockQ6_K*>(wv);
  const auto* x = static_cast<const BlockQ8_K*>(xv);
  const __m256i low4 = _mm256_set1_epi8(0x0F), low2 = _mm256_set1_epi8(3);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    __m256i acc = _mm256_setzero_si256();
    for (int half = 0; half < 2; ++half) {
      const uint8_t* ql = w[i].ql + 64 * half;
      const __m256i l0 = load32(ql), l1 = load32(ql + 32);
      const __m256i hb = load32(w[i].qh + 32 * half);
      const int8_t* sc = w[i].scales + 8 * half;
      const int8_t* q8 = x[i].qs + 128 * half;
      const __m256i q[4] = {
          _mm256_or_si256(_mm256_and_si256(l0, low4),
                          _mm256_slli_epi16(_mm256_and_si256(hb, low2), 4)),
          _mm256_or_si256(_mm256_and_si256(l1, low4),
                          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2), low2), 4)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), low4),
                          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 4), low2), 4)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), low4),
                          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 6), low2), 4)),
      };
      for (int k = 0; k < 4; ++k) {
        // 128-bit half h of vector k covers sub-block 2k + h (16 elements, one scale each).
        const __m256i scale =
            _mm256_set_m128i(_mm_set1_epi16(sc[2 * k + 1]), _mm_set1_epi16(sc[2 * k]));
        const __m256i p = _mm256_maddubs_epi16(q[k], load32(q8 + 32 * k));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(p, scale));
      }
    }
    int offset = 0;
    for (int k = 0; k < 16; ++k) offset += w[i].scales[k] * x[i].bsums[k];
    sum += _cvtsh_ss(w[i].d) * x[i].d * static_cast<float>(hsum_i32(acc) - 32 * offset);
  }
  return sum;
}

}  // namespace hearth::kernels::avx2

// AVX2 dot products of Q8_0 and Q4_0 weight rows with Q8_0 activations. Per block the eight
// int32 lanes hold exact partial sums (maddubs + madd); they are scaled by d_w * d_x and summed
// in float lanes, reduced once per row (llama.cpp's order, not the scalar one).
#include <immintrin.h>

#include <cstdint>

#include "hearth/quant.hpp"
#include "kernels/avx2/avx2_kernels.hpp"
#include "kernels/avx2/simd_avx2.hpp"

namespace hearth::kernels::avx2 {
namespace {

// Exact int32 lanes of sum(w * x) over groups of four bytes. maddubs needs an unsigned operand:
// |w| (w = -128 gives 128, still exact) times x * sign(w). x must not be -128, which the Q8_0
// activation quantizer never produces (|q| <= 127).
__m256i dot_s8_lanes(__m256i w, __m256i x) {
  const __m256i p = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
  return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
}

}  // namespace

float dot_q8_0(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const BlockQ8_0*>(wv);
  const auto* x = static_cast<const BlockQ8_0*>(xv);
  const int64_t nb = n / kQK;
  __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0;
  int64_t i = 0;
  for (; i + 2 <= nb; i += 2) {
    const __m256i s0 = dot_s8_lanes(load32(w[i].qs), load32(x[i].qs));
    const __m256i s1 = dot_s8_lanes(load32(w[i + 1].qs), load32(x[i + 1].qs));
    acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s0),
                           _mm256_set1_ps(_cvtsh_ss(w[i].d) * _cvtsh_ss(x[i].d)), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s1),
                           _mm256_set1_ps(_cvtsh_ss(w[i + 1].d) * _cvtsh_ss(x[i + 1].d)), acc1);
  }
  if (i < nb) {
    const __m256i s0 = dot_s8_lanes(load32(w[i].qs), load32(x[i].qs));
    acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s0),
                           _mm256_set1_ps(_cvtsh_ss(w[i].d) * _cvtsh_ss(x[i].d)), acc0);
  }
  return hsum(_mm256_add_ps(acc0, acc1));
}

float dot_q4_0(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const BlockQ4_0*>(wv);
  const auto* x = static_cast<const BlockQ8_0*>(xv);
  const int64_t nb = n / kQK;
  const __m256i low4 = _mm256_set1_epi8(0x0F), eight = _mm256_set1_epi8(8);
  const __m256i ones = _mm256_set1_epi16(1);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < nb; ++i) {
    // Weight bytes in element order: low nibbles are elements 0..15, high nibbles 16..31.
    const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w[i].qs));
    const __m256i wq = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), low4);
    const __m256i xq = load32(x[i].qs);
    // sum((q - 8) * x) = sum(q * x) - sum(8 * x); both int16 pair sums are exact.
    const __m256i p =
        _mm256_sub_epi16(_mm256_maddubs_epi16(wq, xq), _mm256_maddubs_epi16(eight, xq));
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_madd_epi16(p, ones)),
                          _mm256_set1_ps(_cvtsh_ss(w[i].d) * _cvtsh_ss(x[i].d)), acc);
  }
  return hsum(acc);
}

}  // namespace hearth::kernels::avx2

// AVX-512 VNNI dot products of single Q8_0 / Q4_0 rows with Q8_0 activations (used by vec_dot;
// matmul uses the tiled kernels of gemm_q8_avx512.cpp). vpdpbusd multiplies unsigned by signed
// bytes: Q8_0 uses |w| times x * sign(w), Q4_0 its unsigned nibbles minus 8 * sum(x).
#include <immintrin.h>

#include <cstdint>

#include "hearth/quant.hpp"
#include "kernels/avx512/avx512_kernels.hpp"

namespace hearth::kernels::avx512 {
namespace {

float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

__m256i load32(const int8_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

}  // namespace

float dot_q8_0(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const BlockQ8_0*>(wv);
  const auto* x = static_cast<const BlockQ8_0*>(xv);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0;
  const int64_t nb = n / kQK;
  for (int64_t i = 0; i < nb; ++i) {
    const __m256i wq = load32(w[i].qs);
    // x != -128 (activation quantizer output), so x * sign(w) does not overflow.
    const __m256i s = _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(wq),
                                          _mm256_sign_epi8(load32(x[i].qs), wq));
    const __m256 d = _mm256_set1_ps(_cvtsh_ss(w[i].d) * _cvtsh_ss(x[i].d));
    if (i & 1)
      acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), d, acc1);
    else
      acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), d, acc0);
  }
  return hsum(_mm256_add_ps(acc0, acc1));
}

float dot_q4_0(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const BlockQ4_0*>(wv);
  const auto* x = static_cast<const BlockQ8_0*>(xv);
  const __m256i low4 = _mm256_set1_epi8(0x0F), eight = _mm256_set1_epi8(8);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK; ++i) {
    const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w[i].qs));
    const __m256i wq = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), low4);
    const __m256i xq = load32(x[i].qs);
    const __m256i neg = _mm256_sub_epi32(_mm256_setzero_si256(),
                                         _mm256_dpbusd_epi32(_mm256_setzero_si256(), eight, xq));
    const __m256i s = _mm256_dpbusd_epi32(neg, wq, xq);
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s),
                          _mm256_set1_ps(_cvtsh_ss(w[i].d) * _cvtsh_ss(x[i].d)), acc);
  }
  return hsum(acc);
}

}  // namespace hearth::kernels::avx512

// AVX2 + FMA + F16C attention primitives over F16 K/V rows, 8 elements per step (tails in
// scalar F16C/FMA code). axpy_f16, scale_f16 and axpy_f16_f16 do per element exactly what the
// scalar versions do; dot_f32_f16 sums in 8 lanes.
#include <immintrin.h>

#include <cstdint>

#include "kernels/avx2/avx2_kernels.hpp"
#include "kernels/avx2/simd_avx2.hpp"

namespace hearth::kernels::avx2 {
namespace {

void store_f16(uint16_t* p, __m256 v) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}
float fma1(float a, float b, float c) {
  return _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(a), _mm_set_ss(b), _mm_set_ss(c)));
}

}  // namespace

float dot_f32_f16(const float* x, const uint16_t* h, int64_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), load_f16(h + i), a0);
    a1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), load_f16(h + i + 8), a1);
  }
  for (; i + 8 <= n; i += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), load_f16(h + i), a0);
  const __m256 a = _mm256_add_ps(a0, a1);
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  float dot = _mm_cvtss_f32(s);
  for (; i < n; ++i) dot = fma1(x[i], _cvtsh_ss(h[i]), dot);
  return dot;
}

void axpy_f16(float a, const uint16_t* h, float* y, int64_t n) {
  const __m256 av = _mm256_set1_ps(a);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, load_f16(h + i), _mm256_loadu_ps(y + i)));
  for (; i < n; ++i) y[i] = fma1(a, _cvtsh_ss(h[i]), y[i]);
}

void scale_f16(uint16_t* acc, float s, int64_t n) {
  const __m256 sv = _mm256_set1_ps(s);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) store_f16(acc + i, _mm256_mul_ps(load_f16(acc + i), sv));
  for (; i < n; ++i) acc[i] = _cvtss_sh(_cvtsh_ss(acc[i]) * s, _MM_FROUND_TO_NEAREST_INT);
}

void axpy_f16_f16(float a, const uint16_t* v, uint16_t* acc, int64_t n) {
  const __m256 av = _mm256_set1_ps(a);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    store_f16(acc + i, _mm256_fmadd_ps(load_f16(v + i), av, load_f16(acc + i)));
  for (; i < n; ++i)
    acc[i] = _cvtss_sh(fma1(_cvtsh_ss(v[i]), a, _cvtsh_ss(acc[i])), _MM_FROUND_TO_NEAREST_INT);
}

}  // namespace hearth::kernels::avx2

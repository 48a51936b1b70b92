// AVX2 exponential, 8 floats at a time, within ~1 ulp of expf (tests/test_kernels.cpp).
//
// Same reduction and polynomial as the AVX-512 version (src/kernels/avx512/exp_avx512.cpp).
// Without vscalefps, 2^k (k in [-150, 128] after the clamp) is applied as two exact powers of
// two 2^(k/2) and 2^(k - k/2), both normal floats: the first product is exact, the second
// rounds once, so subnormal and overflowing results are still right.
#include <immintrin.h>

#include <cstring>

#include "kernels/avx2/avx2_kernels.hpp"

namespace hearth::kernels::avx2 {
namespace {

__m256 pow2(__m256i k) {  // 2^k for k in [-126, 127]
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k, _mm256_set1_epi32(127)), 23));
}

__m256 exp8(__m256 x) {
  x = _mm256_min_ps(_mm256_set1_ps(89.0f), _mm256_max_ps(_mm256_set1_ps(-104.0f), x));
  const __m256 k = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(k, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  const __m256 e = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0f));
  // NaN inputs: the conversion gives INT_MIN, the powers are garbage, but e is NaN already.
  const __m256i ki = _mm256_cvtps_epi32(k);
  const __m256i k1 = _mm256_srai_epi32(ki, 1);
  return _mm256_mul_ps(_mm256_mul_ps(e, pow2(k1)), pow2(_mm256_sub_epi32(ki, k1)));
}

}  // namespace

// y[i] = exp(x[i]), i < n; the tail goes through the same vector code via a padded copy.
void exp_f32(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, exp8(_mm256_loadu_ps(x + i)));
  if (i < n) {
    float buf[8] = {};
    const size_t rest = static_cast<size_t>(n - i);
    std::memcpy(buf, x + i, rest * sizeof(float));
    _mm256_storeu_ps(buf, exp8(_mm256_loadu_ps(buf)));
    std::memcpy(y + i, buf, rest * sizeof(float));
  }
}

}  // namespace hearth::kernels::avx2

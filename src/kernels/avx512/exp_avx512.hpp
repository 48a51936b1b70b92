// The AVX-512 exponential of 16 floats, inline, for exp_f32 (exp_avx512.cpp) and for kernels
// that must give exactly exp_f32's values without a call (attention_avx512.cpp: a call clobbers
// every vector register). Within ~1 ulp of expf (tests/test_kernels.cpp, ExpIsWithinOneUlp).
//
// exp(x) = 2^k * exp(r), k = round(x / ln 2), r = x - k ln 2 (two-constant Cody-Waite
// reduction, |r| <= ln2 / 2), exp(r) = 1 + r + r^2 P(r) with a degree-5 minimax P (the Cephes
// expf coefficients). vscalefps applies 2^k in one rounding, so results that underflow into
// the subnormals or overflow to infinity come out right. x is first clamped to [-104, 89]
// (outside, expf is 0 or inf); NaN passes through the clamp (max/min return their second
// operand when one is NaN). Lanes are independent: a lane's result does not depend on the
// others (masked tails give the same bits).
#pragma once

#include <immintrin.h>

namespace hearth::kernels::avx512 {

inline __m512 exp16(__m512 x) {
  x = _mm512_min_ps(_mm512_set1_ps(89.0f), _mm512_max_ps(_mm512_set1_ps(-104.0f), x));
  const __m512 k = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(k, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  const __m512 e = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(e, k);
}

}  // namespace hearth::kernels::avx512

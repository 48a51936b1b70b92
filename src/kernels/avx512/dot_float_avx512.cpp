// AVX-512 dot products of F32, F16 and BF16 rows: 16 floats per vector, four accumulators, the
// tail (n % 16) through masked loads. BF16 uses vdpbf16ps (AVX512_BF16): products of two
// bfloat16 are exact in float, so only the order of the float sums differs from scalar.
#include <immintrin.h>

#include <cstdint>

#include "kernels/avx512/avx512_kernels.hpp"

namespace hearth::kernels::avx512 {
namespace {

__mmask16 tail_mask(int64_t left) {
  return static_cast<__mmask16>((1u << left) - 1);
}

template <typename T, typename Load, typename LoadMasked>
float dot16(const T* w, const T* x, int64_t n, Load load, LoadMasked load_masked) {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    a0 = _mm512_fmadd_ps(load(w + i), load(x + i), a0);
    a1 = _mm512_fmadd_ps(load(w + i + 16), load(x + i + 16), a1);
    a2 = _mm512_fmadd_ps(load(w + i + 32), load(x + i + 32), a2);
    a3 = _mm512_fmadd_ps(load(w + i + 48), load(x + i + 48), a3);
  }
  for (; i + 16 <= n; i += 16) a0 = _mm512_fmadd_ps(load(w + i), load(x + i), a0);
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    a1 = _mm512_fmadd_ps(load_masked(w + i, m), load_masked(x + i, m), a1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
}

}  // namespace

float dot_f32(const void* w, const void* x, int64_t n) {
  return dot16(
      static_cast<const float*>(w), static_cast<const float*>(x), n,
      [](const float* p) { return _mm512_loadu_ps(p); },
      [](const float* p, __mmask16 m) { return _mm512_maskz_loadu_ps(m, p); });
}

float dot_f16(const void* w, const void* x, int64_t n) {
  return dot16(
      static_cast<const uint16_t*>(w), static_cast<const uint16_t*>(x), n,
      [](const uint16_t* p) {
        return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
      },
      [](const uint16_t* p, __mmask16 m) {
        return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
      });
}

// 32 bfloat16 per vdpbf16ps; each float lane accumulates the products of an adjacent pair.
float dot_bf16(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const uint16_t*>(wv);
  const auto* x = static_cast<const uint16_t*>(xv);
  __m512 a0 = _mm512_setzero_ps(), a1 = a0;
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    a0 = _mm512_dpbf16_ps(a0, (__m512bh)_mm512_loadu_si512(w + i),
                          (__m512bh)_mm512_loadu_si512(x + i));
    a1 = _mm512_dpbf16_ps(a1, (__m512bh)_mm512_loadu_si512(w + i + 32),
                          (__m512bh)_mm512_loadu_si512(x + i + 32));
  }
  for (; i < n; i += 32) {
    const int64_t left = n - i < 32 ? n - i : 32;
    const __mmask32 m = left == 32 ? ~__mmask32{0} : static_cast<__mmask32>((1u << left) - 1);
    a0 = _mm512_dpbf16_ps(a0, (__m512bh)_mm512_maskz_loadu_epi16(m, w + i),
                          (__m512bh)_mm512_maskz_loadu_epi16(m, x + i));
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
}

}  // namespace hearth::kernels::avx512

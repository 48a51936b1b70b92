// One block of 32 floats to Q8_0 with llama.cpp's x86 arithmetic, shared by the activation
// converter (convert_avx512.cpp) and the matmul's prepared activations (gemm_q8_avx512.cpp):
// amax = max |x| (a NaN lane never wins, as in the scalar std::max(amax, |x|)),
// d = fp16(amax / 127), q = round-half-even(x * (127 / amax)). Internal to AVX-512 translation
// units (static inline: no symbol shared with code built for other ISAs).
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace hearth::kernels::avx512 {

// x[0..31] -> qs[0..31]; returns d as F16 bits and stores sum(qs) in *sum.
static inline uint16_t quantize_q8_0_block(const float* x, int8_t* qs, int32_t* sum) {
  const __m512 v0 = _mm512_loadu_ps(x), v1 = _mm512_loadu_ps(x + 16);
  const __m512 m =
      _mm512_max_ps(_mm512_abs_ps(v1), _mm512_max_ps(_mm512_abs_ps(v0), _mm512_setzero_ps()));
  const float amax = _mm512_reduce_max_ps(m);
  const float id = amax != 0.0f ? 127.f / amax : 0.0f;
  const __m512 scale = _mm512_set1_ps(id);
  const __m512i i0 = _mm512_cvtps_epi32(_mm512_mul_ps(v0, scale));
  const __m512i i1 = _mm512_cvtps_epi32(_mm512_mul_ps(v1, scale));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(qs), _mm512_cvtsepi32_epi8(i0));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(qs + 16), _mm512_cvtsepi32_epi8(i1));
  // The sum of the stored (saturated) bytes: finite inputs give |q| <= 127, but NaN or infinite
  // activations (damaged weights) convert to INT_MIN and must not overflow the sum.
  const __m512i lo = _mm512_set1_epi32(-128), hi = _mm512_set1_epi32(127);
  const __m512i s0 = _mm512_min_epi32(_mm512_max_epi32(i0, lo), hi);
  const __m512i s1 = _mm512_min_epi32(_mm512_max_epi32(i1, lo), hi);
  *sum = _mm512_reduce_add_epi32(_mm512_add_epi32(s0, s1));
  // amax / 127 is never NaN: vcvtps2ph rounds to nearest even like hearth::fp32_to_fp16.
  return static_cast<uint16_t>(_cvtss_sh(amax / 127.f, _MM_FROUND_TO_NEAREST_INT));
}

// The float step of every (row, token) result of the Q8_0/Q4_0 matmuls, once per block:
// acc += float(isum) * (d_w * d_x), fused. Shared by every microkernel (row layout, gathered,
// R16), so that all give the same bits.
static inline __m512 accumulate_block(__m512 acc, __m512i isum, __m512 dw, float dx) {
  return _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_mul_ps(dw, _mm512_set1_ps(dx)), acc);
}

}  // namespace hearth::kernels::avx512

// AVX2 + FMA + F16C dot products of F32, F16 and BF16 rows (8 floats per vector, four
// accumulators; the tail of n % 8 elements is summed last, in scalar code).
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/avx2/avx2_kernels.hpp"
#include "kernels/avx2/simd_avx2.hpp"

namespace hearth::kernels::avx2 {
namespace {

__m256 load_bf16(const uint16_t* p) {
  const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
}

float bf16_scalar(uint16_t h) {
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// sum over i < n of load(w + i) * load(x + i), with `Load` turning 8 elements into floats.
template <typename T, typename Load>
float dot8(const T* w, const T* x, int64_t n, Load load, int64_t* done) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a0 = _mm256_fmadd_ps(load(w + i), load(x + i), a0);
    a1 = _mm256_fmadd_ps(load(w + i + 8), load(x + i + 8), a1);
    a2 = _mm256_fmadd_ps(load(w + i + 16), load(x + i + 16), a2);
    a3 = _mm256_fmadd_ps(load(w + i + 24), load(x + i + 24), a3);
  }
  for (; i + 8 <= n; i += 8) a0 = _mm256_fmadd_ps(load(w + i), load(x + i), a0);
  *done = i;
  return hsum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
}

}  // namespace

float dot_f32(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const float*>(wv);
  const auto* x = static_cast<const float*>(xv);
  int64_t i;
  float s = dot8(
      w, x, n, [](const float* p) { return _mm256_loadu_ps(p); }, &i);
  for (; i < n; ++i) s += w[i] * x[i];
  return s;
}

float dot_f16(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const uint16_t*>(wv);
  const auto* x = static_cast<const uint16_t*>(xv);
  int64_t i;
  float s = dot8(w, x, n, load_f16, &i);
  for (; i < n; ++i) s += _cvtsh_ss(w[i]) * _cvtsh_ss(x[i]);
  return s;
}

float dot_bf16(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const uint16_t*>(wv);
  const auto* x = static_cast<const uint16_t*>(xv);
  int64_t i;
  float s = dot8(w, x, n, load_bf16, &i);
  for (; i < n; ++i) s += bf16_scalar(w[i]) * bf16_scalar(x[i]);
  return s;
}

}  // namespace hearth::kernels::avx2

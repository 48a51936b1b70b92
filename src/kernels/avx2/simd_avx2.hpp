// Small AVX2 helpers shared by the AVX2 kernel files. Include ONLY from src/kernels/avx2/*.cpp:
// the bodies need the AVX2 flags, and `static` keeps every copy internal to its file, so no
// weak symbol compiled with AVX2 can stand in for a portable one (ctest isa_symbols).
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace hearth::kernels::avx2 {

// Sum of the 8 lanes.
static inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// 8 IEEE halves -> 8 floats (exact).
static inline __m256 load_f16(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// 32 unaligned bytes.
static inline __m256i load32(const void* p) {
  return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}

}  // namespace hearth::kernels::avx2

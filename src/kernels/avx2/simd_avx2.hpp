// Small AVX2 helpers shared by the AVX2 kernel files. Include ONLY from src/kernels/avx2/*.cpp
// (and the AVX-VNNI files, whose flags include AVX2's): the bodies need the AVX2 flags, and
// `static` keeps every copy internal to its file, so no weak symbol compiled with AVX2 can stand
// in for a portable one (ctest isa_symbols).
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

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

// 4 bytes at p as one int32 (for broadcasting 4 activation bytes).
static inline int32_t load_i32(const void* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// 32 unaligned bytes.
static inline __m256i load32(const void* p) {
  return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}

// In place: v[j] lane i = (old) v[i] lane j, lanes of 4 bytes (the matmul kernels' packing of 8
// rows into "one row per lane" vectors with plain loads).
static inline void transpose8x8_epi32(__m256i v[8]) {
  __m256i t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_epi32(v[i], v[i + 1]);
    t[i + 1] = _mm256_unpackhi_epi32(v[i], v[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_unpacklo_epi64(t[i], t[i + 2]);          // lanes 0 | 4 of rows i..i+3
    u[i + 1] = _mm256_unpackhi_epi64(t[i], t[i + 2]);      // 1 | 5
    u[i + 2] = _mm256_unpacklo_epi64(t[i + 1], t[i + 3]);  // 2 | 6
    u[i + 3] = _mm256_unpackhi_epi64(t[i + 1], t[i + 3]);  // 3 | 7
  }
  for (int j = 0; j < 4; ++j) {
    v[j] = _mm256_permute2x128_si256(u[j], u[j + 4], 0x20);
    v[j + 4] = _mm256_permute2x128_si256(u[j], u[j + 4], 0x31);
  }
}

// Stores the first `rows` lanes of v at out (all 8 when rows >= 8, none when rows <= 0): the
// last, partial row group of the 8-rows-per-vector matmul tiles.
static inline void store_rows(float* out, __m256 v, int rows) {
  if (rows >= 8) {
    _mm256_storeu_ps(out, v);
  } else if (rows > 0) {
    const __m256i mask =
        _mm256_cmpgt_epi32(_mm256_set1_epi32(rows), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    _mm256_maskstore_ps(out, mask, v);
  }
}

}  // namespace hearth::kernels::avx2

// The R16 repacking (kernels/packed_rows.hpp) with AVX-512 transposes instead of 4-byte copies:
// the model loader's copy of every Q8_0/Q4_0 weight at load. Same bytes as the portable
// pack_rows16 (tested). Plain loads and in-register shuffles only (no gathers: slow on AMD).
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "hearth/quant.hpp"
#include "kernels/avx512/avx512_kernels.hpp"
#include "kernels/packed_rows.hpp"

namespace hearth::kernels::avx512 {
namespace {

inline __m256i load256(const uint8_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}
inline __m128i load128(const uint8_t* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

// Q8_0 block b of 16 rows: qs [16 rows][8 dwords] -> out [8 vectors][16 lanes] (dword j of row
// i at vector j, lane i). Rows i and i + 8 share a register (low / high 256 bits), an 8x8
// dword transpose runs in both halves at once, then each output vector takes its four 128-bit
// quarters (rows 0-3, 4-7, 8-11, 12-15) from two registers.
void transpose_q8_0(const uint8_t* blk, size_t row_bytes, uint8_t* out) {
  __m512i a[8];
  for (int i = 0; i < 8; ++i)
    a[i] = _mm512_inserti64x4(_mm512_castsi256_si512(load256(blk + i * row_bytes)),
                              load256(blk + (i + 8) * row_bytes), 1);
  __m512i t[8], u[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm512_unpacklo_epi32(a[2 * i], a[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_epi32(a[2 * i], a[2 * i + 1]);
  }
  // u[4h + k]: rows 4h..4h+3, dword k (low 128 bits of each half) and k + 4 (high 128 bits).
  for (int h = 0; h < 2; ++h) {
    u[4 * h + 0] = _mm512_unpacklo_epi64(t[4 * h], t[4 * h + 2]);
    u[4 * h + 1] = _mm512_unpackhi_epi64(t[4 * h], t[4 * h + 2]);
    u[4 * h + 2] = _mm512_unpacklo_epi64(t[4 * h + 1], t[4 * h + 3]);
    u[4 * h + 3] = _mm512_unpackhi_epi64(t[4 * h + 1], t[4 * h + 3]);
  }
  const __m512i low = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13);
  const __m512i high = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
  for (int k = 0; k < 4; ++k) {
    _mm512_storeu_si512(out + 64 * k, _mm512_permutex2var_epi64(u[k], low, u[4 + k]));
    _mm512_storeu_si512(out + 64 * (k + 4), _mm512_permutex2var_epi64(u[k], high, u[4 + k]));
  }
}

// Q4_0 block b of 16 rows: qs [16 rows][4 dwords] -> out [4 vectors][16 lanes]. Register k holds
// rows k, k + 4, k + 8, k + 12 in its four 128-bit quarters; a 4x4 dword transpose per quarter
// then leaves dword j of rows 0..15 in order in vector j.
void transpose_q4_0(const uint8_t* blk, size_t row_bytes, uint8_t* out) {
  __m512i a[4];
  for (int k = 0; k < 4; ++k) {
    __m512i v = _mm512_castsi128_si512(load128(blk + k * row_bytes));
    v = _mm512_inserti32x4(v, load128(blk + (k + 4) * row_bytes), 1);
    v = _mm512_inserti32x4(v, load128(blk + (k + 8) * row_bytes), 2);
    a[k] = _mm512_inserti32x4(v, load128(blk + (k + 12) * row_bytes), 3);
  }
  const __m512i t0 = _mm512_unpacklo_epi32(a[0], a[1]), t1 = _mm512_unpackhi_epi32(a[0], a[1]);
  const __m512i t2 = _mm512_unpacklo_epi32(a[2], a[3]), t3 = _mm512_unpackhi_epi32(a[2], a[3]);
  _mm512_storeu_si512(out, _mm512_unpacklo_epi64(t0, t2));
  _mm512_storeu_si512(out + 64, _mm512_unpackhi_epi64(t0, t2));
  _mm512_storeu_si512(out + 128, _mm512_unpacklo_epi64(t1, t3));
  _mm512_storeu_si512(out + 192, _mm512_unpackhi_epi64(t1, t3));
}

template <DType kType>
void pack(const uint8_t* rows, size_t row_bytes, int64_t n_in, int64_t g0, int64_t g1,
          uint8_t* packed) {
  constexpr size_t kBlock = kType == DType::Q8_0 ? sizeof(BlockQ8_0) : sizeof(BlockQ4_0);
  constexpr size_t kQs = kPackedRows * (kBlock - sizeof(fp16_t));  // one block's vectors
  const int64_t nb = n_in / kQK;
  for (int64_t g = g0; g < g1; ++g) {
    const uint8_t* src = rows + static_cast<size_t>(g) * kPackedRows * row_bytes;
    uint8_t* qs = packed + static_cast<size_t>(g) * kPackedRows * row_bytes;
    uint8_t* scales = qs + static_cast<size_t>(nb) * kQs;
    for (int64_t b = 0; b < nb; ++b, qs += kQs, scales += kPackedRows * sizeof(fp16_t)) {
      const uint8_t* blk = src + static_cast<size_t>(b) * kBlock;
      if constexpr (kType == DType::Q8_0)
        transpose_q8_0(blk + sizeof(fp16_t), row_bytes, qs);
      else
        transpose_q4_0(blk + sizeof(fp16_t), row_bytes, qs);
      for (int lane = 0; lane < kPackedRows; ++lane)
        std::memcpy(scales + lane * sizeof(fp16_t), blk + lane * row_bytes, sizeof(fp16_t));
    }
  }
}

}  // namespace

void pack_r16_q8_0(const uint8_t* rows, size_t row_bytes, int64_t n_in, int64_t g0, int64_t g1,
                   uint8_t* packed) {
  pack<DType::Q8_0>(rows, row_bytes, n_in, g0, g1, packed);
}

void pack_r16_q4_0(const uint8_t* rows, size_t row_bytes, int64_t n_in, int64_t g0, int64_t g1,
                   uint8_t* packed) {
  pack<DType::Q4_0>(rows, row_bytes, n_in, g0, g1, packed);
}

}  // namespace hearth::kernels::avx512

// AVX2 + FMA + F16C block kernels of the tiled attention: a block of query rows against one KV
// tile of up to 64 cells (kernel_table.hpp, AttentionKernels), the tile converted from F16 once
// per block, 32 head dimensions at a time, into an F32 buffer in L1. As in the AVX-512 version
// (which explains the layout), per (row, cell) the operations are exactly the scalar kernels'.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "kernels/avx2/avx2_kernels.hpp"
#include "kernels/avx2/simd_avx2.hpp"

namespace hearth::kernels::avx2 {
namespace {

constexpr int kChunk = 32;  // head dimensions per converted chunk (16 ymm registers)
constexpr int kTile = 64;   // the most cells a tile has

float fma1(float a, float b, float c) {
  return _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(a), _mm_set_ss(b), _mm_set_ss(c)));
}

// buf[j][0..w) = F32 of rows[j * stride + 0..w), j < n (buf rows kChunk floats apart).
void convert_chunk(const uint16_t* rows, int64_t stride, int n, int w, float* buf) {
  for (int j = 0; j < n; ++j) {
    int i = 0;
    for (; i + 8 <= w; i += 8)
      _mm256_storeu_ps(buf + j * kChunk + i, load_f16(rows + j * stride + i));
    for (; i < w; ++i) buf[j * kChunk + i] = _cvtsh_ss(rows[j * stride + i]);
  }
}

// NJ cells x 16 rows (two vectors): st continues its fma chain over this chunk's w dimensions.
template <int NJ>
void scores_block(const float* qt, int n_rows, const float* kb, int w, bool first, bool last,
                  float scale, float* st) {
  __m256 acc[NJ][2];
  for (int c = 0; c < NJ; ++c)
    for (int v = 0; v < 2; ++v)
      acc[c][v] = first ? _mm256_setzero_ps() : _mm256_loadu_ps(st + c * n_rows + 8 * v);
  for (int i = 0; i < w; ++i) {
    const __m256 q0 = _mm256_loadu_ps(qt + i * n_rows), q1 = _mm256_loadu_ps(qt + i * n_rows + 8);
    for (int c = 0; c < NJ; ++c) {
      const __m256 k = _mm256_broadcast_ss(kb + c * kChunk + i);
      acc[c][0] = _mm256_fmadd_ps(q0, k, acc[c][0]);
      acc[c][1] = _mm256_fmadd_ps(q1, k, acc[c][1]);
    }
  }
  const __m256 sv = _mm256_set1_ps(scale);
  for (int c = 0; c < NJ; ++c)
    for (int v = 0; v < 2; ++v)
      _mm256_storeu_ps(st + c * n_rows + 8 * v, last ? _mm256_mul_ps(acc[c][v], sv) : acc[c][v]);
}

using ScoresFn = void (*)(const float*, int, const float*, int, bool, bool, float, float*);
constexpr ScoresFn kScores[4] = {scores_block<1>, scores_block<2>, scores_block<3>,
                                 scores_block<4>};

// Two rows x NV vectors of 8 columns: acc = acc * ms, then one fma per visible cell in order.
template <int NV>
void accumulate_rows2(const float* p, int n_rows, const float* vb, const int* n_cells,
                      const float* ms, float* acc, int hd) {
  const int n_hi = std::max(n_cells[0], n_cells[1]);
  __m256 a[2][NV];
  for (int r = 0; r < 2; ++r)
    for (int v = 0; v < NV; ++v)
      a[r][v] = _mm256_mul_ps(_mm256_loadu_ps(acc + r * hd + 8 * v), _mm256_set1_ps(ms[r]));
  for (int j = 0; j < n_hi; ++j) {
    __m256 x[NV];
    for (int v = 0; v < NV; ++v) x[v] = _mm256_loadu_ps(vb + j * kChunk + 8 * v);
    for (int r = 0; r < 2; ++r) {
      if (j >= n_cells[r]) continue;
      const __m256 pj = _mm256_broadcast_ss(p + j * n_rows + r);
      for (int v = 0; v < NV; ++v) a[r][v] = _mm256_fmadd_ps(pj, x[v], a[r][v]);
    }
  }
  for (int r = 0; r < 2; ++r)
    for (int v = 0; v < NV; ++v) _mm256_storeu_ps(acc + r * hd + 8 * v, a[r][v]);
}

using AccumulateFn = void (*)(const float*, int, const float*, const int*, const float*, float*,
                              int);
constexpr AccumulateFn kAccumulate[4] = {accumulate_rows2<1>, accumulate_rows2<2>,
                                         accumulate_rows2<3>, accumulate_rows2<4>};

}  // namespace

// qt: [hd][n_rows], K: n <= 64 cells kv_stride apart -> st: [n][n_rows].
void block_scores(const float* qt, int n_rows, const uint16_t* K, int64_t kv_stride, int n, int hd,
                  float scale, float* st) {
  alignas(32) float kb[kTile * kChunk];
  for (int i0 = 0; i0 < hd; i0 += kChunk) {
    const int w = std::min(kChunk, hd - i0);
    convert_chunk(K + i0, kv_stride, n, w, kb);
    const bool first = i0 == 0, last = i0 + w == hd;
    for (int r0 = 0; r0 < n_rows; r0 += 16)
      for (int j0 = 0; j0 < n; j0 += 4)
        kScores[std::min(4, n - j0) - 1](qt + static_cast<size_t>(i0) * n_rows + r0, n_rows,
                                         kb + j0 * kChunk, w, first, last, scale,
                                         st + static_cast<size_t>(j0) * n_rows + r0);
  }
}

// p: [n][n_rows], V: n <= 64 cells kv_stride apart, acc: [n_rows][hd].
void block_accumulate(const float* p, int n_rows, const uint16_t* V, int64_t kv_stride, int n,
                      int hd, const float* ms, const int* n_cells, float* acc) {
  alignas(32) float vb[kTile * kChunk];
  for (int i0 = 0; i0 < hd; i0 += kChunk) {
    const int w = std::min(kChunk, hd - i0), nv = w / 8;
    convert_chunk(V + i0, kv_stride, n, w, vb);
    for (int r0 = 0; r0 < n_rows; r0 += 2) {
      float* a = acc + static_cast<size_t>(r0) * hd + i0;
      if (nv > 0) kAccumulate[nv - 1](p + r0, n_rows, vb, n_cells + r0, ms + r0, a, hd);
      for (int r = 0; r < 2; ++r)  // columns past the last full vector, the same operations
        for (int i = 8 * nv; i < w; ++i) {
          float y = a[r * hd + i] * ms[r0 + r];
          for (int j = 0; j < n_cells[r0 + r]; ++j)
            y = fma1(p[j * n_rows + r0 + r], vb[j * kChunk + i], y);
          a[r * hd + i] = y;
        }
    }
  }
}

}  // namespace hearth::kernels::avx2

// AVX-512 block kernels of the tiled attention: a block of query rows against one KV tile of
// up to 64 cells (kernel_table.hpp, AttentionKernels). The tile is converted from F16 once, 64
// head dimensions at a time, into an F32 buffer in L1, and then serves every row of the block.
// Rows are the vector lanes: per (row, cell) the score is one fma chain in index order and the
// accumulator update one fma per cell in order, exactly as the scalar kernels (bit-identical).
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "kernels/avx512/avx512_kernels.hpp"

namespace hearth::kernels::avx512 {
namespace {

constexpr int kChunk = 64;  // head dimensions per converted chunk; also the most cells a tile has

__mmask16 mask_for(int left) {
  return left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1);
}

// buf[j][0..w) = F32 of rows[j * stride + 0..w), j < n (buf rows kChunk floats apart).
void convert_chunk(const uint16_t* rows, int64_t stride, int n, int w, float* buf) {
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < w; i += 16) {
      const __mmask16 m = mask_for(w - i);
      _mm512_mask_storeu_ps(buf + j * kChunk + i, m,
                            _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, rows + j * stride + i)));
    }
}

// NJ cells x NR vectors of 16 rows: st[c][r] continues its fma chain over dimensions [0, w) of
// this chunk (from zero on the first chunk), scaled after the last one. qt: [w][n_rows] at the
// chunk's first dimension and first row, kb: the NJ cells' converted chunk.
template <int NR, int NJ>
void scores_block(const float* qt, int n_rows, const float* kb, int w, bool first, bool last,
                  float scale, float* st) {
  __m512 acc[NJ][NR];
  for (int c = 0; c < NJ; ++c)
    for (int v = 0; v < NR; ++v)
      acc[c][v] = first ? _mm512_setzero_ps() : _mm512_loadu_ps(st + c * n_rows + 16 * v);
  for (int i = 0; i < w; ++i) {
    __m512 q[NR];
    for (int v = 0; v < NR; ++v) q[v] = _mm512_loadu_ps(qt + i * n_rows + 16 * v);
    for (int c = 0; c < NJ; ++c) {
      const __m512 k = _mm512_set1_ps(kb[c * kChunk + i]);
      for (int v = 0; v < NR; ++v) acc[c][v] = _mm512_fmadd_ps(q[v], k, acc[c][v]);
    }
  }
  const __m512 sv = _mm512_set1_ps(scale);
  for (int c = 0; c < NJ; ++c)
    for (int v = 0; v < NR; ++v)
      _mm512_storeu_ps(st + c * n_rows + 16 * v, last ? _mm512_mul_ps(acc[c][v], sv) : acc[c][v]);
}

using ScoresFn = void (*)(const float*, int, const float*, int, bool, bool, float, float*);
template <int NR>
constexpr ScoresFn kScores[4] = {scores_block<NR, 1>, scores_block<NR, 2>, scores_block<NR, 3>,
                                 scores_block<NR, 4>};
constexpr const ScoresFn* kScoresBy[4] = {kScores<1>, kScores<2>, kScores<3>, kScores<4>};

// Four rows x NV vectors of columns (the last under mask m): acc = acc * ms, then one fma per
// visible cell in order; cells [n_lo, n_hi) are visible to some of the four rows only.
template <int NV>
void accumulate_rows4(const float* p, int n_rows, const float* vb, int n_lo, int n_hi,
                      const int* n_cells, const float* ms, float* acc, int hd, __mmask16 m) {
  __m512 a[4][NV];
  for (int r = 0; r < 4; ++r)
    for (int v = 0; v < NV; ++v)
      a[r][v] =
          _mm512_mul_ps(_mm512_maskz_loadu_ps(v == NV - 1 ? m : 0xFFFF, acc + r * hd + 16 * v),
                        _mm512_set1_ps(ms[r]));
  for (int j = 0; j < n_lo; ++j) {
    __m512 x[NV];
    for (int v = 0; v < NV; ++v) x[v] = _mm512_loadu_ps(vb + j * kChunk + 16 * v);
    for (int r = 0; r < 4; ++r) {
      const __m512 pj = _mm512_set1_ps(p[j * n_rows + r]);
      for (int v = 0; v < NV; ++v) a[r][v] = _mm512_fmadd_ps(pj, x[v], a[r][v]);
    }
  }
  for (int j = n_lo; j < n_hi; ++j) {
    __m512 x[NV];
    for (int v = 0; v < NV; ++v) x[v] = _mm512_loadu_ps(vb + j * kChunk + 16 * v);
    for (int r = 0; r < 4; ++r) {
      if (j >= n_cells[r]) continue;
      const __m512 pj = _mm512_set1_ps(p[j * n_rows + r]);
      for (int v = 0; v < NV; ++v) a[r][v] = _mm512_fmadd_ps(pj, x[v], a[r][v]);
    }
  }
  for (int r = 0; r < 4; ++r)
    for (int v = 0; v < NV; ++v)
      _mm512_mask_storeu_ps(acc + r * hd + 16 * v, v == NV - 1 ? m : 0xFFFF, a[r][v]);
}

using AccumulateFn = void (*)(const float*, int, const float*, int, int, const int*, const float*,
                              float*, int, __mmask16);
constexpr AccumulateFn kAccumulate[4] = {accumulate_rows4<1>, accumulate_rows4<2>,
                                         accumulate_rows4<3>, accumulate_rows4<4>};

}  // namespace

// qt: [hd][n_rows], K: n <= 64 cells kv_stride apart -> st: [n][n_rows].
void block_scores(const float* qt, int n_rows, const uint16_t* K, int64_t kv_stride, int n, int hd,
                  float scale, float* st) {
  alignas(64) float kb[kChunk * kChunk];
  for (int i0 = 0; i0 < hd; i0 += kChunk) {
    const int w = std::min(kChunk, hd - i0);
    convert_chunk(K + i0, kv_stride, n, w, kb);
    const bool first = i0 == 0, last = i0 + w == hd;
    for (int r0 = 0; r0 < n_rows; r0 += 64) {
      const ScoresFn* by_cells = kScoresBy[std::min(4, (n_rows - r0) / 16) - 1];
      for (int j0 = 0; j0 < n; j0 += 4)
        by_cells[std::min(4, n - j0) - 1](qt + static_cast<size_t>(i0) * n_rows + r0, n_rows,
                                          kb + j0 * kChunk, w, first, last, scale,
                                          st + static_cast<size_t>(j0) * n_rows + r0);
    }
  }
}

// p: [n][n_rows], V: n <= 64 cells kv_stride apart, acc: [n_rows][hd].
void block_accumulate(const float* p, int n_rows, const uint16_t* V, int64_t kv_stride, int n,
                      int hd, const float* ms, const int* n_cells, float* acc) {
  alignas(64) float vb[kChunk * kChunk];
  for (int i0 = 0; i0 < hd; i0 += kChunk) {
    const int w = std::min(kChunk, hd - i0);
    convert_chunk(V + i0, kv_stride, n, w, vb);
    const int nv = (w + 15) / 16;
    const __mmask16 m = mask_for(w - 16 * (nv - 1));
    for (int r0 = 0; r0 < n_rows; r0 += 4) {
      const int* nc = n_cells + r0;
      const int n_lo = std::min(std::min(nc[0], nc[1]), std::min(nc[2], nc[3]));
      const int n_hi = std::max(std::max(nc[0], nc[1]), std::max(nc[2], nc[3]));
      kAccumulate[nv - 1](p + r0, n_rows, vb, n_lo, n_hi, nc, ms + r0,
                          acc + static_cast<size_t>(r0) * hd + i0, hd, m);
    }
  }
}

}  // namespace hearth::kernels::avx512

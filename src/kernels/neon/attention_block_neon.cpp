// NEON block kernels of the tiled attention: a block of query rows against one KV tile of up to
// 64 cells (kernel_table.hpp, AttentionKernels), the tile converted from F16 once per block, 32
// head dimensions at a time, into an F32 buffer in L1; the layout of the x86 versions
// (src/kernels/avx2/attention_block_avx2.cpp) with 4 lanes. Per (row, cell) the operations are
// exactly the scalar kernels' (one fma chain in index order): bit-identical.
#include <arm_neon.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/neon/neon_kernels.hpp"
#include "kernels/neon/simd_neon.hpp"

namespace hearth::kernels::neon {
namespace {

constexpr int kChunk = 32;  // head dimensions per converted chunk
constexpr int kTile = 64;   // the most cells a tile has

// buf[j][0..w) = F32 of rows[j * stride + 0..w), j < n (buf rows kChunk floats apart).
void convert_chunk(const uint16_t* rows, int64_t stride, int n, int w, float* buf) {
  for (int j = 0; j < n; ++j) {
    int i = 0;
    for (; i + 4 <= w; i += 4) vst1q_f32(buf + j * kChunk + i, load_f16x4(rows + j * stride + i));
    for (; i < w; ++i) buf[j * kChunk + i] = f16_to_f32(rows[j * stride + i]);
  }
}

// NJ cells x 16 rows (four vectors): st continues its fma chain over this chunk's w dimensions.
template <int NJ>
void scores_block(const float* qt, int n_rows, const float* kb, int w, bool first, bool last,
                  float scale, float* st) {
  float32x4_t acc[NJ][4];
  for (int c = 0; c < NJ; ++c)
    for (int v = 0; v < 4; ++v)
      acc[c][v] = first ? vdupq_n_f32(0.0f) : vld1q_f32(st + c * n_rows + 4 * v);
  for (int i = 0; i < w; ++i) {
    float32x4_t q[4];
    for (int v = 0; v < 4; ++v) q[v] = vld1q_f32(qt + i * n_rows + 4 * v);
    for (int c = 0; c < NJ; ++c) {
      const float k = kb[c * kChunk + i];
      for (int v = 0; v < 4; ++v) acc[c][v] = vfmaq_n_f32(acc[c][v], q[v], k);
    }
  }
  for (int c = 0; c < NJ; ++c)
    for (int v = 0; v < 4; ++v)
      vst1q_f32(st + c * n_rows + 4 * v, last ? vmulq_n_f32(acc[c][v], scale) : acc[c][v]);
}

using ScoresFn = void (*)(const float*, int, const float*, int, bool, bool, float, float*);
constexpr ScoresFn kScores[4] = {scores_block<1>, scores_block<2>, scores_block<3>,
                                 scores_block<4>};

// Two rows x NV vectors of 4 columns: acc = acc * ms, then one fma per visible cell in order.
template <int NV>
void accumulate_rows2(const float* p, int n_rows, const float* vb, const int* n_cells,
                      const float* ms, float* acc, int hd) {
  const int n_hi = std::max(n_cells[0], n_cells[1]);
  float32x4_t a[2][NV];
  for (int r = 0; r < 2; ++r)
    for (int v = 0; v < NV; ++v) a[r][v] = vmulq_n_f32(vld1q_f32(acc + r * hd + 4 * v), ms[r]);
  for (int j = 0; j < n_hi; ++j) {
    float32x4_t x[NV];
    for (int v = 0; v < NV; ++v) x[v] = vld1q_f32(vb + j * kChunk + 4 * v);
    for (int r = 0; r < 2; ++r) {
      if (j >= n_cells[r]) continue;
      const float pj = p[j * n_rows + r];
      for (int v = 0; v < NV; ++v) a[r][v] = vfmaq_n_f32(a[r][v], x[v], pj);
    }
  }
  for (int r = 0; r < 2; ++r)
    for (int v = 0; v < NV; ++v) vst1q_f32(acc + r * hd + 4 * v, a[r][v]);
}

using AccumulateFn = void (*)(const float*, int, const float*, const int*, const float*, float*,
                              int);
constexpr AccumulateFn kAccumulate[8] = {
    accumulate_rows2<1>, accumulate_rows2<2>, accumulate_rows2<3>, accumulate_rows2<4>,
    accumulate_rows2<5>, accumulate_rows2<6>, accumulate_rows2<7>, accumulate_rows2<8>};

}  // namespace

// qt: [hd][n_rows], K: n <= 64 cells kv_stride apart -> st: [n][n_rows].
void block_scores(const float* qt, int n_rows, const uint16_t* K, int64_t kv_stride, int n, int hd,
                  float scale, float* st) {
  alignas(16) float kb[kTile * kChunk];
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
  alignas(16) float vb[kTile * kChunk];
  for (int i0 = 0; i0 < hd; i0 += kChunk) {
    const int w = std::min(kChunk, hd - i0), nv = w / 4;
    convert_chunk(V + i0, kv_stride, n, w, vb);
    for (int r0 = 0; r0 < n_rows; r0 += 2) {
      float* a = acc + static_cast<size_t>(r0) * hd + i0;
      if (nv > 0) kAccumulate[nv - 1](p + r0, n_rows, vb, n_cells + r0, ms + r0, a, hd);
      for (int r = 0; r < 2; ++r)  // columns past the last full vector, the same operations
        for (int i = 4 * nv; i < w; ++i) {
          float y = a[r * hd + i] * ms[r0 + r];
          for (int j = 0; j < n_cells[r0 + r]; ++j)
            y = std::fma(p[j * n_rows + r0 + r], vb[j * kChunk + i], y);
          a[r * hd + i] = y;
        }
    }
  }
}

}  // namespace hearth::kernels::neon

// AVX-512 softmax step of the tiled attention for a block of rows (kernel_table.hpp,
// AttentionKernels::block_softmax): 16 rows per vector, the same results as the portable loops
// of forward.cpp (tile_softmax), which run 4 rows per SSE vector.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "kernels/avx512/avx512_kernels.hpp"

namespace hearth::kernels::avx512 {
namespace {

// The one-row algorithm's tile sum: chains by j % 4 below the last multiple of 4, the rest on
// chain 0. x: n values `stride` apart.
double sum_in_double(const float* x, int n, int stride) {
  double d[4] = {0, 0, 0, 0};
  const int n4 = n & ~3;
  for (int j = 0; j < n4; ++j) d[j & 3] += x[static_cast<size_t>(j) * stride];
  for (int j = n4; j < n; ++j) d[0] += x[static_cast<size_t>(j) * stride];
  return (d[0] + d[1]) + (d[2] + d[3]);
}

}  // namespace

// st: [n][n_rows] scores in, weights out (zero past n_cells[r]); M, S, ms: [n_rows].
void block_softmax(float* st, int n_rows, int n, const int* n_cells, float* M, double* S,
                   float* ms) {
  // The visible maxima (max(s, m) keeps m on ties and NaN, like std::max(m, s)), then the
  // new running max and its rescale factor per row, in scalar code as in forward.cpp.
  for (int r0 = 0; r0 < n_rows; r0 += 16) {
    const __m512i nc = _mm512_loadu_si512(n_cells + r0);
    __m512 mx = _mm512_set1_ps(-INFINITY);
    for (int j = 0; j < n; ++j) {
      const __mmask16 vis = _mm512_cmpgt_epi32_mask(nc, _mm512_set1_epi32(j));
      mx = _mm512_mask_max_ps(mx, vis, _mm512_loadu_ps(st + static_cast<size_t>(j) * n_rows + r0),
                              mx);
    }
    _mm512_storeu_ps(ms + r0, mx);
  }
  for (int r = 0; r < n_rows; ++r) {
    if (n_cells[r] == 0) {
      ms[r] = 1.0f;
      continue;
    }
    const float M_new = std::max(M[r], ms[r]);
    ms[r] = M_new == M[r] ? 1.0f : std::exp(M[r] - M_new);
    M[r] = M_new;
  }
  for (int j = 0; j < n; ++j) {
    float* sj = st + static_cast<size_t>(j) * n_rows;
    for (int r0 = 0; r0 < n_rows; r0 += 16)
      _mm512_storeu_ps(sj + r0, _mm512_sub_ps(_mm512_loadu_ps(sj + r0), _mm512_loadu_ps(M + r0)));
  }
  exp_f32(st, st, static_cast<int64_t>(n) * n_rows);  // the table's exp, elementwise
  // Hidden cells to zero, and the four chains in double (8 rows per half): a zero added to a
  // chain leaves it unchanged; rows whose span ends off a multiple of 4 are summed again.
  for (int r0 = 0; r0 < n_rows; r0 += 16) {
    const __m512i nc = _mm512_loadu_si512(n_cells + r0);
    __m512d d[4][2];
    for (auto& c : d) c[0] = c[1] = _mm512_setzero_pd();
    for (int j = 0; j < n; ++j) {
      float* p = st + static_cast<size_t>(j) * n_rows + r0;
      const __mmask16 vis = _mm512_cmpgt_epi32_mask(nc, _mm512_set1_epi32(j));
      const __m512 e = _mm512_maskz_mov_ps(vis, _mm512_loadu_ps(p));
      _mm512_storeu_ps(p, e);
      d[j & 3][0] = _mm512_add_pd(d[j & 3][0], _mm512_cvtps_pd(_mm512_castps512_ps256(e)));
      d[j & 3][1] = _mm512_add_pd(
          d[j & 3][1],
          _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(e), 1))));
    }
    alignas(64) double sum[16];
    for (int h = 0; h < 2; ++h)
      _mm512_store_pd(sum + 8 * h, _mm512_add_pd(_mm512_add_pd(d[0][h], d[1][h]),
                                                 _mm512_add_pd(d[2][h], d[3][h])));
    for (int l = 0; l < 16; ++l) {
      const int r = r0 + l, nr = n_cells[r];
      if (nr == 0) continue;
      const double tile_sum = nr % 4 == 0 ? sum[l] : sum_in_double(st + r, nr, n_rows);
      S[r] = S[r] * ms[r] + tile_sum;
    }
  }
}

}  // namespace hearth::kernels::avx512

// AVX2 f32 self-attention of one head over one text (kernel_table.hpp, AttendF32Fn): the
// algorithm of attend_f32_avx512.cpp with 8-float registers (keys transposed once per call,
// four query rows per block, the weighted V sum vectorized over the head dimension).
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "kernels/attend_f32.hpp"
#include "kernels/avx2/avx2_kernels.hpp"

namespace hearth::kernels::avx2 {
namespace {

constexpr int kRows = 4;  // query rows per block (attend_f32_scratch_floats reserves them)

float hmax(__m256 x) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(x), _mm256_extractf128_ps(x, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

float hsum(__m256 x) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(x), _mm256_extractf128_ps(x, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// st[r * n16 + j] = scale * q_r . k_j for the block's rows and j < 8 * n_vec.
void block_scores(const float* const* qr, const float* kt, int n16, int n_vec, int hd, float scale,
                  float* st) {
  const __m256 vs = _mm256_set1_ps(scale);
  int v = 0;
  for (; v + 2 <= n_vec; v += 2) {
    __m256 a[kRows][2];
    for (auto& row : a) row[0] = row[1] = _mm256_setzero_ps();
    const float* col = kt + v * 8;
    for (int e = 0; e < hd; ++e) {
      const __m256 k0 = _mm256_load_ps(col + static_cast<size_t>(e) * n16);
      const __m256 k1 = _mm256_load_ps(col + static_cast<size_t>(e) * n16 + 8);
      for (int r = 0; r < kRows; ++r) {
        const __m256 b = _mm256_broadcast_ss(qr[r] + e);
        a[r][0] = _mm256_fmadd_ps(b, k0, a[r][0]);
        a[r][1] = _mm256_fmadd_ps(b, k1, a[r][1]);
      }
    }
    for (int r = 0; r < kRows; ++r) {
      _mm256_store_ps(st + r * n16 + v * 8, _mm256_mul_ps(a[r][0], vs));
      _mm256_store_ps(st + r * n16 + v * 8 + 8, _mm256_mul_ps(a[r][1], vs));
    }
  }
  if (v < n_vec) {
    __m256 a[kRows];
    for (auto& x : a) x = _mm256_setzero_ps();
    const float* col = kt + v * 8;
    for (int e = 0; e < hd; ++e) {
      const __m256 k0 = _mm256_load_ps(col + static_cast<size_t>(e) * n16);
      for (int r = 0; r < kRows; ++r)
        a[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(qr[r] + e), k0, a[r]);
    }
    for (int r = 0; r < kRows; ++r) _mm256_store_ps(st + r * n16 + v * 8, _mm256_mul_ps(a[r], vs));
  }
}

// Scores -> softmax weights over the visible j < n_see, zeros for n_see <= j < n_cols;
// returns 1 / sum of the weights.
float softmax_row(float* s, int n_see, int n_cols) {
  float mx = -INFINITY;
  int j = 0;
  if (n_see >= 8) {
    __m256 m = _mm256_load_ps(s);
    for (j = 8; j + 8 <= n_see; j += 8) m = _mm256_max_ps(m, _mm256_load_ps(s + j));
    mx = hmax(m);
  }
  for (; j < n_see; ++j) mx = std::max(mx, s[j]);
  const __m256 vm = _mm256_set1_ps(mx);
  for (j = 0; j < n_see; j += 8) _mm256_store_ps(s + j, _mm256_sub_ps(_mm256_load_ps(s + j), vm));
  exp_f32(s, s, n_see);
  __m256 sum = _mm256_setzero_ps();
  for (j = 0; j + 8 <= n_see; j += 8) sum = _mm256_add_ps(sum, _mm256_load_ps(s + j));
  float total = hsum(sum);
  for (; j < n_see; ++j) total += s[j];
  std::fill(s + n_see, s + n_cols, 0.0f);
  return 1.0f / total;
}

// out_r[c0 .. c0 + 8 * CW) = inv_r * sum over j < n_cols of p[r][j] * v_j, for the block's rows.
template <int CW>
void block_accumulate(const float* p, int n16, const float* v, int64_t kv_stride, int n_cols,
                      int c0, const float* inv, float* const* outr, int rows) {
  __m256 a[kRows][CW];
  for (auto& row : a)
    for (auto& x : row) x = _mm256_setzero_ps();
  for (int j = 0; j < n_cols; ++j) {
    const float* vj = v + j * kv_stride + c0;
    __m256 vv[CW];
    for (int c = 0; c < CW; ++c) vv[c] = _mm256_loadu_ps(vj + 8 * c);
    for (int r = 0; r < kRows; ++r) {
      const __m256 b = _mm256_broadcast_ss(p + r * n16 + j);
      for (int c = 0; c < CW; ++c) a[r][c] = _mm256_fmadd_ps(b, vv[c], a[r][c]);
    }
  }
  for (int r = 0; r < rows; ++r) {
    const __m256 s = _mm256_set1_ps(inv[r]);
    for (int c = 0; c < CW; ++c) _mm256_storeu_ps(outr[r] + c0 + 8 * c, _mm256_mul_ps(a[r][c], s));
  }
}

}  // namespace

void attend_f32(const float* q, int64_t q_stride, const float* k, const float* v, int64_t kv_stride,
                int n, int hd, float scale, bool causal, float* out, int64_t out_stride,
                float* scratch) {
  if (hd % 8 != 0 || n <= 0) {
    scalar::attend_f32(q, q_stride, k, v, kv_stride, n, hd, scale, causal, out, out_stride,
                       scratch);
    return;
  }
  const int n16 = (n + 15) / 16 * 16;
  float* kt = scratch;                                  // [hd][n16]
  float* st = scratch + static_cast<size_t>(hd) * n16;  // [kRows][n16]
  for (int j = 0; j < n; ++j) {
    const float* kj = k + j * kv_stride;
    for (int e = 0; e < hd; ++e) kt[static_cast<size_t>(e) * n16 + j] = kj[e];
  }
  for (int e = 0; e < hd; ++e)
    std::fill(kt + static_cast<size_t>(e) * n16 + n, kt + static_cast<size_t>(e + 1) * n16, 0.0f);
  for (int i0 = 0; i0 < n; i0 += kRows) {
    const int rows = std::min(kRows, n - i0);
    const int n_cols = causal ? i0 + rows : n;  // the block's rows see no key past this
    const float* qr[kRows];
    float* outr[kRows];
    for (int r = 0; r < kRows; ++r) {
      const int i = i0 + std::min(r, rows - 1);  // padding rows repeat the last (not stored)
      qr[r] = q + i * q_stride;
      outr[r] = out + i * out_stride;
    }
    block_scores(qr, kt, n16, (n_cols + 7) / 8, hd, scale, st);
    float inv[kRows];
    for (int r = 0; r < kRows; ++r)
      inv[r] = softmax_row(st + r * n16, causal ? std::min(i0 + r, n - 1) + 1 : n, n_cols);
    int c0 = 0;
    for (; c0 + 16 <= hd; c0 += 16)
      block_accumulate<2>(st, n16, v, kv_stride, n_cols, c0, inv, outr, rows);
    if (c0 < hd) block_accumulate<1>(st, n16, v, kv_stride, n_cols, c0, inv, outr, rows);
  }
}

}  // namespace hearth::kernels::avx2

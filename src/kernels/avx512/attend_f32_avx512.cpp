// AVX-512 f32 self-attention of one head over one text (kernel_table.hpp, AttendF32Fn), for the
// embedding models' packed batches.
//
// The keys are transposed once per call (kt: [hd][n16], zero past n), so that the scores of a
// block of four query rows come out 16 keys per register: for each element e of the head, one
// load of kt[e] serves the four rows' broadcast q[e] (eight fma chains in flight). The softmax
// runs on each row's scores in place; the weighted sum of V rows is vectorized over the head
// dimension, four rows at once, so each V row is loaded once per block.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "kernels/attend_f32.hpp"
#include "kernels/avx512/avx512_kernels.hpp"

namespace hearth::kernels::avx512 {
namespace {

constexpr int kRows = 4;  // query rows per block (attend_f32_scratch_floats reserves them)

__mmask16 tail_mask(int count) {
  return count >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << count) - 1);
}

// st[r * n16 + j] = scale * q_r . k_j for the block's rows and j < 16 * n_vec.
void block_scores(const float* const* qr, const float* kt, int n16, int n_vec, int hd, float scale,
                  float* st) {
  const __m512 vs = _mm512_set1_ps(scale);
  int v = 0;
  for (; v + 2 <= n_vec; v += 2) {
    __m512 a[kRows][2];
    for (auto& row : a) row[0] = row[1] = _mm512_setzero_ps();
    const float* col = kt + v * 16;
    for (int e = 0; e < hd; ++e) {
      const __m512 k0 = _mm512_load_ps(col + static_cast<size_t>(e) * n16);
      const __m512 k1 = _mm512_load_ps(col + static_cast<size_t>(e) * n16 + 16);
      for (int r = 0; r < kRows; ++r) {
        const __m512 b = _mm512_set1_ps(qr[r][e]);
        a[r][0] = _mm512_fmadd_ps(b, k0, a[r][0]);
        a[r][1] = _mm512_fmadd_ps(b, k1, a[r][1]);
      }
    }
    for (int r = 0; r < kRows; ++r) {
      _mm512_store_ps(st + r * n16 + v * 16, _mm512_mul_ps(a[r][0], vs));
      _mm512_store_ps(st + r * n16 + v * 16 + 16, _mm512_mul_ps(a[r][1], vs));
    }
  }
  if (v < n_vec) {
    __m512 a[kRows];
    for (auto& x : a) x = _mm512_setzero_ps();
    const float* col = kt + v * 16;
    for (int e = 0; e < hd; ++e) {
      const __m512 k0 = _mm512_load_ps(col + static_cast<size_t>(e) * n16);
      for (int r = 0; r < kRows; ++r) a[r] = _mm512_fmadd_ps(_mm512_set1_ps(qr[r][e]), k0, a[r]);
    }
    for (int r = 0; r < kRows; ++r) _mm512_store_ps(st + r * n16 + v * 16, _mm512_mul_ps(a[r], vs));
  }
}

// Scores -> softmax weights over the visible j < n_see, zeros for n_see <= j < n_cols;
// returns 1 / sum of the weights.
float softmax_row(float* s, int n_see, int n_cols) {
  __m512 mx = _mm512_set1_ps(-INFINITY);
  int j = 0;
  for (; j + 16 <= n_see; j += 16) mx = _mm512_max_ps(mx, _mm512_load_ps(s + j));
  if (j < n_see) mx = _mm512_mask_max_ps(mx, tail_mask(n_see - j), mx, _mm512_load_ps(s + j));
  const __m512 m = _mm512_set1_ps(_mm512_reduce_max_ps(mx));
  for (j = 0; j < n_see; j += 16) _mm512_store_ps(s + j, _mm512_sub_ps(_mm512_load_ps(s + j), m));
  exp_f32(s, s, n_see);
  __m512 sum = _mm512_setzero_ps();
  for (j = 0; j + 16 <= n_see; j += 16) sum = _mm512_add_ps(sum, _mm512_load_ps(s + j));
  if (j < n_see) sum = _mm512_add_ps(sum, _mm512_maskz_load_ps(tail_mask(n_see - j), s + j));
  std::fill(s + n_see, s + n_cols, 0.0f);
  return 1.0f / _mm512_reduce_add_ps(sum);
}

// out_r[c0 .. c0 + 16 * CW) = inv_r * sum over j < n_cols of p[r][j] * v_j, for the block's rows.
template <int CW>
void block_accumulate(const float* p, int n16, const float* v, int64_t kv_stride, int n_cols,
                      int c0, const float* inv, float* const* outr, int rows) {
  __m512 a[kRows][CW];
  for (auto& row : a)
    for (auto& x : row) x = _mm512_setzero_ps();
  for (int j = 0; j < n_cols; ++j) {
    const float* vj = v + j * kv_stride + c0;
    __m512 vv[CW];
    for (int c = 0; c < CW; ++c) vv[c] = _mm512_loadu_ps(vj + 16 * c);
    for (int r = 0; r < kRows; ++r) {
      const __m512 b = _mm512_set1_ps(p[r * n16 + j]);
      for (int c = 0; c < CW; ++c) a[r][c] = _mm512_fmadd_ps(b, vv[c], a[r][c]);
    }
  }
  for (int r = 0; r < rows; ++r) {
    const __m512 s = _mm512_set1_ps(inv[r]);
    for (int c = 0; c < CW; ++c) _mm512_storeu_ps(outr[r] + c0 + 16 * c, _mm512_mul_ps(a[r][c], s));
  }
}

}  // namespace

void attend_f32(const float* q, int64_t q_stride, const float* k, const float* v, int64_t kv_stride,
                int n, int hd, float scale, bool causal, float* out, int64_t out_stride,
                float* scratch) {
  if (hd % 16 != 0 || n <= 0) {
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
    block_scores(qr, kt, n16, (n_cols + 15) / 16, hd, scale, st);
    float inv[kRows];
    for (int r = 0; r < kRows; ++r)
      inv[r] = softmax_row(st + r * n16, causal ? std::min(i0 + r, n - 1) + 1 : n, n_cols);
    int c0 = 0;
    for (; c0 + 64 <= hd; c0 += 64)
      block_accumulate<4>(st, n16, v, kv_stride, n_cols, c0, inv, outr, rows);
    if (hd - c0 == 48) block_accumulate<3>(st, n16, v, kv_stride, n_cols, c0, inv, outr, rows);
    if (hd - c0 == 32) block_accumulate<2>(st, n16, v, kv_stride, n_cols, c0, inv, outr, rows);
    if (hd - c0 == 16) block_accumulate<1>(st, n16, v, kv_stride, n_cols, c0, inv, outr, rows);
  }
}

}  // namespace hearth::kernels::avx512

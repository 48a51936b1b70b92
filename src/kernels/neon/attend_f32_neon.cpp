// NEON f32 self-attention of one head over one text (kernel_table.hpp, AttendF32Fn): the
// algorithm of avx2/attend_f32_avx2.cpp with 4-float registers (keys transposed once per call,
// four query rows per block, the weighted V sum vectorized over the head dimension).
#include <arm_neon.h>

#include <algorithm>
#include <cmath>

#include "kernels/attend_f32.hpp"
#include "kernels/neon/neon_kernels.hpp"

namespace hearth::kernels::neon {
namespace {

constexpr int kRows = 4;  // query rows per block (attend_f32_scratch_floats reserves them)

// st[r * n16 + j] = scale * q_r . k_j for the block's rows and j < 4 * n_vec.
void scores_block(const float* const* qr, const float* kt, int n16, int n_vec, int hd, float scale,
                  float* st) {
  int v = 0;
  for (; v + 4 <= n_vec; v += 4) {  // 16 keys: 16 accumulators
    float32x4_t a[kRows][4];
    for (auto& row : a)
      for (auto& x : row) x = vdupq_n_f32(0.0f);
    const float* col = kt + v * 4;
    for (int e = 0; e < hd; ++e) {
      const float* ke = col + static_cast<size_t>(e) * n16;
      const float32x4_t k0 = vld1q_f32(ke), k1 = vld1q_f32(ke + 4), k2 = vld1q_f32(ke + 8),
                        k3 = vld1q_f32(ke + 12);
      for (int r = 0; r < kRows; ++r) {
        const float32x4_t b = vdupq_n_f32(qr[r][e]);
        a[r][0] = vfmaq_f32(a[r][0], b, k0);
        a[r][1] = vfmaq_f32(a[r][1], b, k1);
        a[r][2] = vfmaq_f32(a[r][2], b, k2);
        a[r][3] = vfmaq_f32(a[r][3], b, k3);
      }
    }
    for (int r = 0; r < kRows; ++r)
      for (int c = 0; c < 4; ++c)
        vst1q_f32(st + r * n16 + (v + c) * 4, vmulq_n_f32(a[r][c], scale));
  }
  for (; v < n_vec; ++v) {
    float32x4_t a[kRows];
    for (auto& x : a) x = vdupq_n_f32(0.0f);
    const float* col = kt + v * 4;
    for (int e = 0; e < hd; ++e) {
      const float32x4_t k0 = vld1q_f32(col + static_cast<size_t>(e) * n16);
      for (int r = 0; r < kRows; ++r) a[r] = vfmaq_n_f32(a[r], k0, qr[r][e]);
    }
    for (int r = 0; r < kRows; ++r) vst1q_f32(st + r * n16 + v * 4, vmulq_n_f32(a[r], scale));
  }
}

// Scores -> softmax weights over the visible j < n_see, zeros for n_see <= j < n_cols;
// returns 1 / sum of the weights.
float softmax_row(float* s, int n_see, int n_cols) {
  float mx = -INFINITY;
  int j = 0;
  if (n_see >= 4) {
    float32x4_t m = vld1q_f32(s);
    for (j = 4; j + 4 <= n_see; j += 4) m = vmaxq_f32(m, vld1q_f32(s + j));
    mx = vmaxvq_f32(m);
  }
  for (; j < n_see; ++j) mx = std::max(mx, s[j]);
  const float32x4_t vm = vdupq_n_f32(mx);
  for (j = 0; j < n_see; j += 4) vst1q_f32(s + j, vsubq_f32(vld1q_f32(s + j), vm));
  exp_f32(s, s, n_see);
  float32x4_t sum = vdupq_n_f32(0.0f);
  for (j = 0; j + 4 <= n_see; j += 4) sum = vaddq_f32(sum, vld1q_f32(s + j));
  float total = vaddvq_f32(sum);
  for (; j < n_see; ++j) total += s[j];
  std::fill(s + n_see, s + n_cols, 0.0f);
  return 1.0f / total;
}

// out_r[c0 .. c0 + 4 * CW) = inv_r * sum over j < n_cols of p[r][j] * v_j, for the block's rows.
template <int CW>
void accumulate_block(const float* p, int n16, const float* v, int64_t kv_stride, int n_cols,
                      int c0, const float* inv, float* const* outr, int rows) {
  float32x4_t a[kRows][CW];
  for (auto& row : a)
    for (auto& x : row) x = vdupq_n_f32(0.0f);
  for (int j = 0; j < n_cols; ++j) {
    const float* vj = v + j * kv_stride + c0;
    float32x4_t vv[CW];
    for (int c = 0; c < CW; ++c) vv[c] = vld1q_f32(vj + 4 * c);
    for (int r = 0; r < kRows; ++r) {
      const float b = p[r * n16 + j];
      for (int c = 0; c < CW; ++c) a[r][c] = vfmaq_n_f32(a[r][c], vv[c], b);
    }
  }
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < CW; ++c) vst1q_f32(outr[r] + c0 + 4 * c, vmulq_n_f32(a[r][c], inv[r]));
}

}  // namespace

void attend_f32(const float* q, int64_t q_stride, const float* k, const float* v, int64_t kv_stride,
                int n, int hd, float scale, bool causal, float* out, int64_t out_stride,
                float* scratch) {
  if (hd % 4 != 0 || n <= 0) {
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
    scores_block(qr, kt, n16, (n_cols + 3) / 4, hd, scale, st);
    float inv[kRows];
    for (int r = 0; r < kRows; ++r)
      inv[r] = softmax_row(st + r * n16, causal ? std::min(i0 + r, n - 1) + 1 : n, n_cols);
    int c0 = 0;
    for (; c0 + 16 <= hd; c0 += 16)
      accumulate_block<4>(st, n16, v, kv_stride, n_cols, c0, inv, outr, rows);
    for (; c0 < hd; c0 += 4)
      accumulate_block<1>(st, n16, v, kv_stride, n_cols, c0, inv, outr, rows);
  }
}

}  // namespace hearth::kernels::neon

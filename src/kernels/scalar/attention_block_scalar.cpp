// Scalar block kernels of the tiled attention (the reference for the SIMD versions): a block of
// query rows against one KV tile. Per (row, cell) the operations are those of dot_f32_f16 and
// axpy_f16 (one fma chain in index order), so a row's result does not depend on its block.
#include <cmath>

#include "hearth/quant.hpp"
#include "kernels/scalar/scalar_kernels.hpp"

namespace hearth::kernels::scalar {

// qt: [hd][n_rows], K: n cells kv_stride apart -> st: [n][n_rows].
void block_scores(const float* qt, int n_rows, const uint16_t* K, int64_t kv_stride, int n, int hd,
                  float scale, float* st) {
  for (int j = 0; j < n; ++j) {
    const uint16_t* k = K + j * kv_stride;
    for (int r = 0; r < n_rows; ++r) {
      float dot = 0;
      for (int i = 0; i < hd; ++i)
        dot = std::fma(qt[static_cast<size_t>(i) * n_rows + r], fp16_to_fp32(k[i]), dot);
      st[static_cast<size_t>(j) * n_rows + r] = dot * scale;
    }
  }
}

// p: [n][n_rows], V: n cells kv_stride apart, acc: [n_rows][hd].
void block_accumulate(const float* p, int n_rows, const uint16_t* V, int64_t kv_stride, int n,
                      int hd, const float* ms, const int* n_cells, float* acc) {
  (void)n;  // every n_cells[r] <= n
  for (int r = 0; r < n_rows; ++r) {
    float* a = acc + static_cast<size_t>(r) * hd;
    for (int i = 0; i < hd; ++i) a[i] *= ms[r];
    for (int j = 0; j < n_cells[r]; ++j)
      axpy_f16(p[static_cast<size_t>(j) * n_rows + r], V + j * kv_stride, a, hd);
  }
}

}  // namespace hearth::kernels::scalar

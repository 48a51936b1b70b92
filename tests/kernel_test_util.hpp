// What the kernel tests share: the scalar table (every SIMD kernel's reference), a table slot
// from a type, the scale of a dot product's allowed rounding difference, gtest parameter names
// for ISAs, and the bit checks of a gemm kernel on the R16 layout.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "hearth/model.hpp"
#include "hearth/quant.hpp"
#include "kernels/kernel_table.hpp"
#include "kernels/packed_rows.hpp"

namespace hearth::test {

inline const kernels::KernelTable& scalar_table() {
  return *kernels::kernels_for(Isa::kScalar);
}

inline int slot(DType t) {
  return static_cast<int>(t);
}

// sum |w_i * x_i| from the dequantized operands: the scale of the allowed rounding difference.
inline double magnitude(DType wt, const uint8_t* w, DType at, const uint8_t* xa, int64_t n) {
  std::vector<float> wf(static_cast<size_t>(n)), xf(static_cast<size_t>(n));
  dequantize_row(wt, w, wf.data(), static_cast<size_t>(n));
  dequantize_row(at, xa, xf.data(), static_cast<size_t>(n));
  double mag = 0;
  for (int64_t i = 0; i < n; ++i) mag += std::fabs(static_cast<double>(wf[i]) * xf[i]);
  return mag;
}

// A gtest parameter name: letters, digits and underscores only ("neon-dotprod" -> neon_dotprod).
inline std::string isa_param_name(Isa isa) {
  std::string name = isa_name(isa);
  for (char& c : name)
    if (c == '-') c = '_';
  return name;
}

// The R16 checks of gemm kernel g for one weight w (rows x n elements, row layout) and n_tok
// tokens x: the ISA's pack_r16 (where it has one) writes pack_rows16's bytes, and run_packed gives
// the bits of run (the batch kernel on the row layout) for the whole batch, split at row 16 and
// for each token alone (decode). *y gets run_packed's output [n_tok][rows]. Call through
// ASSERT_NO_FATAL_FAILURE.
inline void check_packed_gemm_bits(const kernels::GemmKernel& g, DType wt,
                                   const std::vector<uint8_t>& w, const std::vector<float>& x,
                                   int64_t n, int64_t rows, int n_tok, std::vector<float>* y) {
  const std::string what = std::string(dtype_name(wt)) + " n=" + std::to_string(n) +
                           " rows=" + std::to_string(rows) + " tokens=" + std::to_string(n_tok);
  const size_t rb = *row_bytes(wt, static_cast<uint64_t>(n));
  std::vector<uint8_t> packed(w.size());
  kernels::pack_rows16(wt, w.data(), rb, n, 0, rows / 16, packed.data());
  if (g.pack_r16) {
    std::vector<uint8_t> fast(w.size(), 0xCD);
    g.pack_r16(w.data(), rb, n, 0, 1, fast.data());
    g.pack_r16(w.data(), rb, n, 1, rows / 16, fast.data());
    ASSERT_EQ(fast, packed) << what << ": pack_r16";
  }
  const size_t stride = g.prepared_bytes(n);
  std::vector<uint8_t> prepared(stride * n_tok);
  for (int t = 0; t < n_tok; ++t) g.prepare(x.data() + t * n, prepared.data() + t * stride, n);
  const size_t bytes = static_cast<size_t>(rows * n_tok) * sizeof(float);
  y->assign(static_cast<size_t>(rows * n_tok), NAN);
  std::vector<float> y_rows(y->size(), NAN), y_split(y->size(), NAN);
  g.run_packed(packed.data(), rb, 0, rows, prepared.data(), n_tok, n, y->data(), rows);
  g.run(w.data(), rb, 0, rows, prepared.data(), n_tok, n, y_rows.data(), rows);
  ASSERT_EQ(0, std::memcmp(y->data(), y_rows.data(), bytes)) << what << ": run_packed vs run";
  g.run_packed(packed.data(), rb, 0, 16, prepared.data(), n_tok, n, y_split.data(), rows);
  g.run_packed(packed.data(), rb, 16, rows, prepared.data(), n_tok, n, y_split.data(), rows);
  ASSERT_EQ(0, std::memcmp(y->data(), y_split.data(), bytes)) << what << ": split at row 16";
  for (int t = 0; t < n_tok; ++t) {
    std::vector<float> y1(static_cast<size_t>(rows), NAN);
    g.run_packed(packed.data(), rb, 0, rows, prepared.data() + t * stride, 1, n, y1.data(), rows);
    ASSERT_EQ(0, std::memcmp(y1.data(), y->data() + t * rows, rows * sizeof(float)))
        << what << ": token " << t << " alone";
  }
}

// A row-layout weight w (n_out rows of n_in elements) as matmul sees it once the loader has
// repacked it: `packed` holds the R16 copy of the whole groups of 16 rows, `view` points at both
// (the last n_out % 16 rows stay in the row layout). Keep the object alive while view is used.
struct RepackedWeight {
  std::vector<uint8_t> packed;
  TensorView view;
  RepackedWeight(DType type, const std::vector<uint8_t>& w, int64_t n_in, int64_t n_out) {
    view.type = type;
    view.n_in = n_in;
    view.n_out = n_out;
    view.row_bytes = *row_bytes(type, static_cast<uint64_t>(n_in));
    view.data = w.data();
    const int64_t groups = n_out / kernels::kPackedRows;
    packed.resize(view.row_bytes * static_cast<size_t>(groups * kernels::kPackedRows));
    kernels::pack_rows16(type, w.data(), view.row_bytes, n_in, 0, groups, packed.data());
    view.packed = packed.data();
  }
  // The same weight in the row layout only (what matmul reads when nothing was repacked).
  TensorView plain() const {
    TensorView v = view;
    v.packed = nullptr;
    return v;
  }
};

}  // namespace hearth::test

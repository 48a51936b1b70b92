// hearth::kb::Q8Prefilter — a Q8_0 copy of a knowledge base's vector matrix (34 bytes per 32
// values: 4.5x fewer bytes than float32) scanned with the library's matmul kernels (AVX-512 VNNI,
// AVX-VNNI, AVX2, NEON or scalar, chosen at run time from the CPU like every other matmul), to
// find a few rows that provably contain the exact top k. An exact scan is memory-bound (153 MB
// per query at 100,000 x 384 float32); this one reads 41 MB, then the float32 scan rescores only
// the candidates, so the result is exactly the float32 scan's.
//
// Why the candidates are exact: for a row v (its Q8_0 copy v') and query w (quantized by the
// kernel to w'), |v.w - v'.w'| <= |v - v'| |w| + |v'| |w - w'| (Cauchy-Schwarz twice). |v - v'|
// and |v'| are computed per row when the copy is made; |w - w'| is bounded from the query's block
// maxima (each value is off by at most half a quantization step, plus the F16 rounding of the
// block scale); a term for the float rounding of both dot products is added. With b_r that bound
// for row r and s_r the quantized score, every row of the exact top k has s_r + b_r >= T, T the
// k-th largest s_r - b_r: k rows score at least T exactly, so the k-th best exact score is >= T.
//
// Threads: candidates() is const and may run from several threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "hearth/model.hpp"

namespace hearth {
class ThreadPool;
}

namespace hearth::kb {

class Q8Prefilter {
 public:
  // rows: n x dim floats, row-major (copied, quantized).
  Q8Prefilter(const float* rows, size_t n, int dim);
  size_t size() const { return n_; }
  // Row indices (ascending) that may hold the k best dot products with q (dim floats). false
  // when the bound cannot be used (a non-finite query, k >= size()): scan every row instead.
  bool candidates(const float* q, size_t k, ThreadPool* pool, std::vector<uint32_t>* out) const;
  // The quantized scores and their bounds for q (tests check |exact - score| <= bound).
  void scores_and_bounds(const float* q, ThreadPool* pool, std::vector<float>* scores,
                         std::vector<double>* bounds) const;

 private:
  size_t n_;
  int dim_, dim32_;  // dim32_: dim padded with zeros to Q8_0's 32-value blocks
  std::unique_ptr<uint8_t[]> buffer_;
  TensorView view_;           // n_ rows padded to 16 (R16 layout when the kernels read it)
  std::vector<float> err_;    // |v - v'| per row
  std::vector<float> qnorm_;  // |v'| per row
  std::vector<float> norm_;   // |v| per row
  bool finite_rows_ = true;   // a non-finite stored value disables the prefilter
};

}  // namespace hearth::kb

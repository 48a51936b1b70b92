#include "kb/q8_prefilter.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <queue>

#include "hearth/quant.hpp"
#include "kernels/kernel_table.hpp"
#include "kernels/packed_rows.hpp"
#include "model/matmul.hpp"

namespace hearth::kb {
namespace {

constexpr int kBlock = 32;  // Q8_0 values per block

double norm2(const float* v, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += static_cast<double>(v[i]) * v[i];
  return std::sqrt(s);
}

// The scratch of one query (one per thread: candidates() runs from several threads).
struct Scratch {
  std::vector<float> q, y;
};
Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

}  // namespace

Q8Prefilter::Q8Prefilter(const float* rows, size_t n, int dim)
    : n_(n), dim_(dim), dim32_((dim + kBlock - 1) / kBlock * kBlock) {
  const size_t n_pad = (n + kernels::kPackedRows - 1) / kernels::kPackedRows * kernels::kPackedRows;
  const size_t nb = static_cast<size_t>(dim32_ / kBlock);
  const size_t row_bytes = nb * sizeof(BlockQ8_0);
  std::vector<uint8_t> plain(n_pad * row_bytes, 0);  // padding rows: zero scales, zero values
  err_.resize(n);
  qnorm_.resize(n);
  norm_.resize(n);
  std::vector<float> x(static_cast<size_t>(dim32_), 0.0f), back(static_cast<size_t>(dim32_));
  for (size_t r = 0; r < n; ++r) {
    const float* v = rows + r * static_cast<size_t>(dim);
    std::copy(v, v + dim, x.begin());
    for (int i = 0; i < dim; ++i) finite_rows_ = finite_rows_ && std::isfinite(v[i]);
    auto* blocks = reinterpret_cast<BlockQ8_0*>(plain.data() + r * row_bytes);
    quantize_row_q8_0(x.data(), blocks, static_cast<size_t>(dim32_));
    // The bound needs the copy the kernels will read: dequantized with the same F16 scales.
    dequantize_row(DType::Q8_0, blocks, back.data(), static_cast<size_t>(dim32_));
    double e = 0;
    for (int i = 0; i < dim32_; ++i) {
      const double d =
          static_cast<double>(x[static_cast<size_t>(i)]) - back[static_cast<size_t>(i)];
      e += d * d;
    }
    err_[r] = static_cast<float>(std::sqrt(e));
    qnorm_[r] = static_cast<float>(norm2(back.data(), back.size()));
    norm_[r] = static_cast<float>(norm2(v, static_cast<size_t>(dim)));
  }
  view_.type = DType::Q8_0;
  view_.n_in = dim32_;
  view_.n_out = static_cast<int64_t>(n_pad);
  view_.row_bytes = row_bytes;
  // The R16 layout when the active kernels read it (the decode path of every Q8_0 matmul): plain
  // loads of 16 interleaved rows instead of gathers. 64-byte aligned, as the kernels expect.
  const kernels::GemmKernel* gemm = kernels::active_kernels().gemm[static_cast<int>(DType::Q8_0)];
  const bool pack = n_pad > 0 && gemm && gemm->run_packed &&
                    kernels::packable_rows16(DType::Q8_0, dim32_, static_cast<int64_t>(n_pad));
  const size_t bytes = plain.size();
  buffer_.reset(new uint8_t[bytes + 64]);
  uint8_t* aligned = buffer_.get() + (64 - reinterpret_cast<uintptr_t>(buffer_.get()) % 64) % 64;
  if (pack) {
    const int64_t groups = static_cast<int64_t>(n_pad) / kernels::kPackedRows;
    if (gemm->pack_r16)
      gemm->pack_r16(plain.data(), row_bytes, dim32_, 0, groups, aligned);
    else
      kernels::pack_rows16(DType::Q8_0, plain.data(), row_bytes, dim32_, 0, groups, aligned);
    view_.packed = aligned;
  } else if (bytes > 0) {  // an empty index has no rows (and plain.data() may be null)
    std::memcpy(aligned, plain.data(), bytes);
  }
  view_.data = aligned;  // with `packed` set, matmul reads only the packed layout
}

void Q8Prefilter::scores_and_bounds(const float* q, ThreadPool* pool, std::vector<float>* scores,
                                    std::vector<double>* bounds) const {
  Scratch& s = scratch();
  s.q.assign(static_cast<size_t>(dim32_), 0.0f);
  std::copy(q, q + dim_, s.q.begin());
  s.y.resize(static_cast<size_t>(view_.n_out));
  if (n_ > 0) matmul(view_, s.q.data(), s.y.data(), 1, pool);
  // |w - w'|: each of a block's values is within half a step (amax / 127) of its quantized
  // value, plus 127 times the F16 rounding of the step (2^-11 relative, or 2^-25 absolute when
  // the step is subnormal in F16; a step that rounds to zero leaves |x| <= amax < 4e-6):
  // 0.75 steps + 4e-6 covers all of it.
  double ew2 = 0;
  for (int b = 0; b < dim32_ / kBlock; ++b) {
    double amax = 0;
    for (int i = 0; i < kBlock; ++i)
      amax =
          std::max(amax, std::fabs(static_cast<double>(s.q[static_cast<size_t>(b * kBlock + i)])));
    const double e = 0.75 * amax / 127.0 + 4e-6;
    ew2 += kBlock * e * e;
  }
  const double ew = std::sqrt(ew2), wn = norm2(s.q.data(), s.q.size());
  // Float rounding: the kernel's per-block products and sum (nb + 2 roundings of terms bounded
  // by |v'||w'|) and the float32 scan that rescores (dim/8 + 4 roundings of terms bounded by
  // |v||w|), both far below this.
  const double gamma = (dim32_ + 64) * std::ldexp(1.0, -22);
  scores->assign(s.y.begin(), s.y.begin() + static_cast<std::ptrdiff_t>(n_));
  bounds->resize(n_);
  for (size_t r = 0; r < n_; ++r) {
    const double b =
        err_[r] * wn + qnorm_[r] * ew + gamma * (norm_[r] * wn + qnorm_[r] * (wn + ew));
    (*bounds)[r] = b * (1 + 1e-6) + 1e-30;
  }
}

bool Q8Prefilter::candidates(const float* q, size_t k, ThreadPool* pool,
                             std::vector<uint32_t>* out) const {
  out->clear();
  if (!finite_rows_ || k == 0 || k >= n_ || n_ > UINT32_MAX) return false;
  for (int i = 0; i < dim_; ++i)
    if (!std::isfinite(q[i])) return false;
  thread_local std::vector<float> scores;
  thread_local std::vector<double> bounds;
  scores_and_bounds(q, pool, &scores, &bounds);
  // T: the k-th largest lower bound (a min-heap of the k largest seen).
  std::priority_queue<double, std::vector<double>, std::greater<double>> heap;
  for (size_t r = 0; r < n_; ++r) {
    const double lo = static_cast<double>(scores[r]) - bounds[r];
    if (heap.size() < k) {
      heap.push(lo);
    } else if (lo > heap.top()) {
      heap.pop();
      heap.push(lo);
    }
  }
  const double t = heap.top();
  for (size_t r = 0; r < n_; ++r)
    if (static_cast<double>(scores[r]) + bounds[r] >= t) out->push_back(static_cast<uint32_t>(r));
  return true;
}

}  // namespace hearth::kb

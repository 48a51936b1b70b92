// oneDNN's matmul path (src/kernels/onednn/) against a scalar reference: the same products of
// the rounded operands (BF16 activations rounded by hearth's reference converter) summed in
// double. oneDNN sums in float in its own order, so the results are not bit-identical to the
// reference or to hearth's kernels: each output must lie within the classic bound for a float
// sum of K products, K * 2^-24 * sum |w x| (doubled for margin). Also: the path is taken
// exactly where onednn_matmul.hpp says, and its results do not depend on the thread count.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/thread_pool.hpp"
#include "hearth/cpu.hpp"
#include "hearth/quant.hpp"
#include "kernels/onednn/onednn_matmul.hpp"
#include "model/matmul.hpp"

namespace hearth {
namespace {

namespace onednn = kernels::onednn;

struct Weights {
  std::vector<uint8_t> bytes;
  std::vector<float> values;  // the weights as the product sees them (after rounding)
  TensorView view;
};

Weights make_weights(DType type, int64_t n_out, int64_t n_in, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.5f);
  Weights w;
  const size_t rb = *row_bytes(type, static_cast<uint64_t>(n_in));
  w.bytes.resize(rb * static_cast<size_t>(n_out));
  w.values.resize(static_cast<size_t>(n_out * n_in));
  std::vector<float> row(static_cast<size_t>(n_in));
  for (int64_t r = 0; r < n_out; ++r) {
    for (auto& v : row) v = normal(rng);
    quantize_row(type, row.data(), w.bytes.data() + r * rb, row.size());
    dequantize_row(type, w.bytes.data() + r * rb, w.values.data() + r * n_in, row.size());
  }
  w.view.type = type;
  w.view.n_in = n_in;
  w.view.n_out = n_out;
  w.view.row_bytes = rb;
  w.view.data = w.bytes.data();
  return w;
}

// y = X W^T from the rounded operands in double; bound: 2 K 2^-24 sum |w x| per output.
void expect_near_reference(const Weights& w, const std::vector<float>& x, int n_tok,
                           const std::vector<float>& y) {
  const int64_t K = w.view.n_in, N = w.view.n_out;
  std::vector<float> xr(x);
  if (w.view.type == DType::BF16)
    for (auto& v : xr) v = bf16_to_fp32(fp32_to_bf16(v));
  int bad = 0;
  for (int t = 0; t < n_tok; ++t)
    for (int64_t r = 0; r < N; ++r) {
      double s = 0, mag = 0;
      for (int64_t k = 0; k < K; ++k) {
        const double p = static_cast<double>(w.values[r * K + k]) * xr[t * K + k];
        s += p;
        mag += std::fabs(p);
      }
      const double tol = 2.0 * static_cast<double>(K) * std::ldexp(1.0, -24) * mag;
      if (std::fabs(y[t * N + r] - s) > tol && ++bad <= 5)
        ADD_FAILURE() << "token " << t << " row " << r << ": " << y[t * N + r] << " vs " << s
                      << " (tolerance " << tol << ")";
    }
  EXPECT_EQ(bad, 0);
}

std::vector<float> activations(int n_tok, int64_t n_in) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> uni(-2.0f, 2.0f);
  std::vector<float> x(static_cast<size_t>(n_tok * n_in));
  for (auto& v : x) v = uni(rng);
  return x;
}

bool onednn_expected(DType type) {
  return active_isa() == Isa::kAvx512 && (type == DType::F32 || cpu_features().avx512bf16);
}

class OnednnMatmul : public ::testing::TestWithParam<DType> {
 protected:
  void TearDown() override { onednn::set_enabled(false); }  // the default: opt-in
};

TEST_P(OnednnMatmul, MatchesScalarReferenceAndIgnoresThreadCount) {
  const DType type = GetParam();
  onednn::set_enabled(true);
  // 200 rows: three full 64-row tiles and a last one of 8; K = 96 is no multiple of 64.
  const Weights w = make_weights(type, 200, 96, 1);
  const int n_tok = 33;
  if (!onednn::enabled() || !onednn::takes(w.view, n_tok)) {
    EXPECT_FALSE(onednn_expected(type) && onednn::enabled()) << "oneDNN should take this";
    GTEST_SKIP() << "oneDNN's path is not used for this type on this machine/build";
  }
  const auto x = activations(n_tok, 96);
  std::vector<float> y1(static_cast<size_t>(n_tok * 200)), y3(y1.size());
  const MatmulOutput one{&w.view, y1.data()};
  ASSERT_TRUE(onednn::matmul(&one, 1, x.data(), n_tok, nullptr));
  expect_near_reference(w, x, n_tok, y1);
  ThreadPool pool(3);
  matmul(w.view, x.data(), y3.data(), n_tok, &pool);  // the public entry takes the same path
  EXPECT_EQ(y1, y3) << "results depend on the thread count";
}

TEST_P(OnednnMatmul, SharedInputWritesEveryOutput) {
  const DType type = GetParam();
  const Weights a = make_weights(type, 64, 128, 2), b = make_weights(type, 72, 128, 3);
  const int n_tok = 16;
  onednn::set_enabled(true);
  if (!onednn::takes(a.view, n_tok)) GTEST_SKIP() << "oneDNN's path is not used here";
  const auto x = activations(n_tok, 128);
  std::vector<float> ya(static_cast<size_t>(n_tok * 64)), yb(static_cast<size_t>(n_tok * 72));
  const MatmulOutput outs[2] = {{&a.view, ya.data()}, {&b.view, yb.data()}};
  ThreadPool pool(2);
  matmul_shared_input(outs, 2, x.data(), n_tok, &pool);
  expect_near_reference(a, x, n_tok, ya);
  expect_near_reference(b, x, n_tok, yb);
}

INSTANTIATE_TEST_SUITE_P(Types, OnednnMatmul, ::testing::Values(DType::F32, DType::BF16),
                         [](const ::testing::TestParamInfo<DType>& i) {
                           return std::string(dtype_name(i.param));
                         });

TEST(OnednnMatmulRule, TakenOnlyWhereMeasuredFaster) {
  const Weights f32 = make_weights(DType::F32, 64, 64, 4);
  const Weights f16 = make_weights(DType::F16, 64, 64, 5);
  const Weights q8 = make_weights(DType::Q8_0, 64, 64, 6);
  onednn::set_enabled(true);
  EXPECT_FALSE(onednn::takes(f32.view, onednn::kMinTokens - 1));  // decode: the dot products
  EXPECT_FALSE(onednn::takes(f16.view, 64));
  EXPECT_FALSE(onednn::takes(q8.view, 64));
  EXPECT_EQ(onednn::takes(f32.view, 64), onednn_expected(DType::F32) && onednn::enabled());
  onednn::set_enabled(false);  // HEARTH_ONEDNN=0
  EXPECT_FALSE(onednn::takes(f32.view, 64));
  const MatmulOutput out{&f32.view, nullptr};
  EXPECT_FALSE(onednn::matmul(&out, 1, nullptr, 64, nullptr));
}

}  // namespace
}  // namespace hearth

// matmul() for every weight type against an independent float computation built from
// dequantize_row (the quant module's reference): Y must equal dequant(W) . dequant(act(X)),
// where act() is the activation conversion llama.cpp applies, and stay close to dequant(W) . X.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "core/thread_pool.hpp"
#include "hearth/error.hpp"
#include "hearth/quant.hpp"
#include "kernel_test_util.hpp"
#include "kernels/kernel_table.hpp"
#include "kernels/packed_rows.hpp"
#include "model/matmul.hpp"

namespace hearth {
namespace {

// Random blocks with sane scales: random bytes, then the fp16 scale fields overwritten.
std::vector<uint8_t> random_rows(DType type, int64_t n_in, int64_t n_out, std::mt19937& rng) {
  const size_t rb = *row_bytes(type, static_cast<uint64_t>(n_in));
  std::vector<uint8_t> data(rb * static_cast<size_t>(n_out));
  std::uniform_int_distribution<int> byte(0, 255);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> scale(0.002f, 0.02f);
  for (auto& b : data) b = static_cast<uint8_t>(byte(rng));
  const auto& traits = dtype_traits(type);
  const size_t n_blocks = data.size() / traits.block_bytes;
  auto put16 = [&](uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); };
  for (size_t i = 0; i < n_blocks; ++i) {
    uint8_t* blk = data.data() + i * traits.block_bytes;
    switch (type) {
      case DType::F32:
        for (int j = 0; j < 1; ++j) {
          const float v = normal(rng) * 0.05f;
          std::memcpy(blk, &v, 4);
        }
        break;
      case DType::F16:
        put16(blk, fp32_to_fp16(normal(rng) * 0.05f));
        break;
      case DType::BF16:
        put16(blk, fp32_to_bf16(normal(rng) * 0.05f));
        break;
      case DType::Q4_0:
      case DType::Q5_0:
      case DType::Q8_0:
        put16(blk, fp32_to_fp16(scale(rng)));
        break;
      case DType::Q4_1:
      case DType::Q5_1:
      case DType::Q4_K:
      case DType::Q5_K:
        put16(blk, fp32_to_fp16(scale(rng)));
        put16(blk + 2, fp32_to_fp16(scale(rng)));
        break;
      case DType::Q6_K:
        put16(blk + offsetof(BlockQ6_K, d), fp32_to_fp16(scale(rng) * 0.1f));
        break;
      case DType::Q2_K:
        put16(blk + offsetof(BlockQ2_K, d), fp32_to_fp16(scale(rng)));
        put16(blk + offsetof(BlockQ2_K, dmin), fp32_to_fp16(scale(rng)));
        break;
      case DType::Q3_K:
        put16(blk + offsetof(BlockQ3_K, d), fp32_to_fp16(scale(rng) * 0.1f));
        break;
      default:
        break;
    }
  }
  return data;
}

class ForwardMatmul : public ::testing::TestWithParam<DType> {};

TEST_P(ForwardMatmul, MatchesDequantizedFloatProduct) {
  const DType type = GetParam();
  const int64_t n_in = 512, n_out = 24;
  const int n_tok = 3;
  std::mt19937 rng(1234 + static_cast<int>(type));
  std::vector<uint8_t> w = random_rows(type, n_in, n_out, rng);
  TensorView W;
  W.type = type;
  W.n_in = n_in;
  W.n_out = n_out;
  W.row_bytes = *row_bytes(type, n_in);
  W.data = w.data();
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n_tok * n_in));
  for (auto& v : x) v = normal(rng);

  // The independent reference: dequantize both operands.
  std::vector<float> wf(static_cast<size_t>(n_in)), xf(static_cast<size_t>(n_in));
  const DType act = model::vec_dot_type(type);
  std::vector<uint8_t> xa(*row_bytes(act, n_in));
  // Every instantiated type must dequantize: a missing dequantizer is a failure, not a skip.
  try {
    dequantize_row(type, w.data(), wf.data(), static_cast<size_t>(n_in));
    model::convert_activations(act, x.data(), xa.data(), n_in);
    dequantize_row(act, xa.data(), xf.data(), static_cast<size_t>(n_in));
  } catch (const Error& e) {
    FAIL() << "dequantize_row or convert_activations: " << e.what();
  }

  std::vector<float> y1(static_cast<size_t>(n_tok * n_out)), y2(y1.size());
  matmul(W, x.data(), y1.data(), n_tok, nullptr);
  ThreadPool pool(2);
  matmul(W, x.data(), y2.data(), n_tok, &pool);
  EXPECT_EQ(y1, y2) << "threads must not change results";

  for (int t = 0; t < n_tok; ++t) {
    model::convert_activations(act, x.data() + t * n_in, xa.data(), n_in);
    dequantize_row(act, xa.data(), xf.data(), static_cast<size_t>(n_in));
    for (int64_t r = 0; r < n_out; ++r) {
      dequantize_row(type, w.data() + r * W.row_bytes, wf.data(), static_cast<size_t>(n_in));
      double exact = 0, with_act = 0, mag = 0;
      for (int64_t i = 0; i < n_in; ++i) {
        exact += static_cast<double>(wf[i]) * x[t * n_in + i];
        with_act += static_cast<double>(wf[i]) * xf[i];
        mag += std::fabs(static_cast<double>(wf[i]) * x[t * n_in + i]);
      }
      const float got = y1[static_cast<size_t>(t * n_out + r)];
      EXPECT_NEAR(got, with_act, 1e-5 * mag + 1e-6) << dtype_name(type) << " row " << r;
      // Converting activations (Q8 / F16 / BF16) costs well under 2% of the magnitude.
      EXPECT_NEAR(got, exact, 0.02 * mag) << dtype_name(type) << " row " << r;
    }
  }
}

// q/k/v and gate/up share one input: matmul_shared_input must write exactly what separate
// matmul calls write, also when the weights differ in type (Q4_K_M mixes Q4_K and Q6_K, which
// share Q8_K activations but not their dot product), kernel or input size, and whatever the split
// of the stacked rows between threads.
TEST(ForwardMatmulSharedInput, EqualsSeparateProducts) {
  const int64_t n_in = 512;
  const int n_tok = 5;
  std::mt19937 rng(77);
  struct Spec {
    DType type;
    int64_t n_out, n_in;
  };
  const Spec specs[] = {{DType::Q8_0, 40, n_in}, {DType::Q8_0, 24, n_in}, {DType::Q4_K, 19, n_in},
                        {DType::Q6_K, 33, n_in}, {DType::Q4_0, 17, n_in}, {DType::F16, 9, n_in},
                        {DType::Q8_0, 16, 256}};
  std::vector<std::vector<uint8_t>> data;
  std::vector<TensorView> weights;
  for (const Spec& sp : specs) {
    data.push_back(random_rows(sp.type, sp.n_in, sp.n_out, rng));
    TensorView W;
    W.type = sp.type;
    W.n_in = sp.n_in;
    W.n_out = sp.n_out;
    W.row_bytes = *row_bytes(sp.type, static_cast<uint64_t>(sp.n_in));
    W.data = data.back().data();
    weights.push_back(W);
  }
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n_tok * n_in));
  for (auto& v : x) v = normal(rng);
  ThreadPool pool(2);
  for (int tokens : {1, n_tok}) {
    std::vector<std::vector<float>> want, got;
    std::vector<MatmulOutput> outs;
    for (const TensorView& W : weights) {
      want.emplace_back(static_cast<size_t>(tokens * W.n_out));
      matmul(W, x.data(), want.back().data(), tokens, nullptr);
      got.emplace_back(want.back().size(), NAN);
    }
    for (size_t i = 0; i < weights.size(); ++i) outs.push_back({&weights[i], got[i].data()});
    // The last weight takes 256 inputs: the same X read as a shorter row.
    matmul_shared_input(outs.data(), static_cast<int>(outs.size()), x.data(), tokens, &pool);
    for (size_t i = 0; i < weights.size(); ++i)
      EXPECT_EQ(got[i], want[i]) << "output " << i << " (" << dtype_name(weights[i].type)
                                 << "), tokens " << tokens;
  }
}

// A weight repacked at load (TensorView::packed) whose row count is not a multiple of 16 (a
// vocabulary of 50257): the R16 copy holds the whole groups and matmul reads the last rows from
// the row layout; every (row, token) must get the bits of the row-layout product, for decode,
// small batches and prefill, on 1 and 2 threads, also when the call starts or ends in the tail.
TEST(ForwardMatmulPacked, PartialLastGroupEqualsRowLayout) {
  const int64_t n_in = 256;
  std::mt19937 rng(4321);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  ThreadPool pool(2);
  for (DType type : {DType::Q8_0, DType::Q4_0}) {
    // Not a skip: the fidelity runs under HEARTH_FORCE_ISA=scalar (whose table reads no R16
    // layout, so the loader packs nothing) select this test too; every SIMD table has one.
    const auto* gemm = kernels::active_kernels().gemm[static_cast<int>(type)];
    if (!gemm || !gemm->run_packed) continue;
    for (int64_t n_out : {17, 40, 71}) {
      std::vector<uint8_t> w = random_rows(type, n_in, n_out, rng);
      const test::RepackedWeight weight(type, w, n_in, n_out);
      const TensorView rows = weight.plain();
      const TensorView& repacked = weight.view;
      for (int n_tok : {1, 3, 40}) {
        std::vector<float> x(static_cast<size_t>(n_tok * n_in));
        for (auto& v : x) v = normal(rng);
        std::vector<float> want(static_cast<size_t>(n_tok * n_out)), one(want.size(), NAN),
            two(want.size(), NAN);
        matmul(rows, x.data(), want.data(), n_tok, nullptr);
        matmul(repacked, x.data(), one.data(), n_tok, nullptr);
        matmul(repacked, x.data(), two.data(), n_tok, &pool);
        EXPECT_EQ(one, want) << dtype_name(type) << " rows " << n_out << " tokens " << n_tok;
        EXPECT_EQ(two, want) << dtype_name(type) << " rows " << n_out << " tokens " << n_tok
                             << ", 2 threads";
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, ForwardMatmul,
                         ::testing::Values(DType::F32, DType::F16, DType::BF16, DType::Q8_0,
                                           DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1,
                                           DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K,
                                           DType::Q6_K),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });

}  // namespace
}  // namespace hearth

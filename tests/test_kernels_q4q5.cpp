// The SIMD kernels of the Q4_1, Q5_0, Q5_1, Q5_K, Q2_K and Q3_K weight types against the scalar
// reference table, on every x86 ISA this CPU has: the dot products (the decode path) and the
// batch gemm kernels (the prefill path), including the bit patterns that only these types have
// (every fifth bit set or clear, Q5_K's high bits per sub-block, extreme scales and mins).
// Numerics rule (kernels/kernel_table.hpp): integer sums exact per block, then float scaling, so
// the K-quant kernels that keep the scalar float steps must give the scalar bits exactly, the
// others the scalar value within the float rounding of another summation order.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "hearth/quant.hpp"
#include "kernel_test_util.hpp"
#include "kernels/kernel_table.hpp"

// x86 kernels only (the NEON tables keep the scalar dots of these types).
#if defined(__x86_64__)
namespace hearth {
namespace {

using kernels::KernelTable;
using test::magnitude;
using test::scalar_table;
using test::slot;

const DType kTypes[] = {DType::Q4_1, DType::Q5_0, DType::Q5_1,
                        DType::Q5_K, DType::Q2_K, DType::Q3_K};

DType act_type(DType w) {
  switch (w) {
    case DType::Q5_0:
      return DType::Q8_0;
    case DType::Q4_1:
    case DType::Q5_1:
      return DType::Q8_1;
    default:
      return DType::Q8_K;
  }
}

// Kernels that build the scalar dot's exact integers and then its float steps: same bits.
bool bit_exact(DType w) {
  return w == DType::Q5_K;
}

enum class Fill { kRandom, kOnes, kZeros, kExtreme };

// Weight rows: quant bytes random (kOnes: all 0xFF, so every fifth bit and high bit is set;
// kZeros: all 0x00; kExtreme: 0xFF with large scales), scales sane and positive.
std::vector<uint8_t> weight_rows(DType type, int64_t n, int64_t rows, Fill fill,
                                 std::mt19937& rng) {
  const size_t rb = *row_bytes(type, static_cast<uint64_t>(n));
  std::vector<uint8_t> data(rb * static_cast<size_t>(rows));
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> scale(0.002f, 0.02f);
  for (auto& b : data)
    b = fill == Fill::kRandom ? static_cast<uint8_t>(byte(rng)) : (fill == Fill::kZeros ? 0 : 0xFF);
  const float big = fill == Fill::kExtreme ? 100.0f : 1.0f;
  auto put16 = [](uint8_t* p, float v) {
    const fp16_t h = fp32_to_fp16(v);
    std::memcpy(p, &h, 2);
  };
  const auto& tr = dtype_traits(type);
  for (size_t i = 0; i < data.size() / tr.block_bytes; ++i) {
    uint8_t* blk = data.data() + i * tr.block_bytes;
    switch (type) {
      case DType::Q5_0:
        put16(blk, scale(rng) * big);
        break;
      case DType::Q4_1:
      case DType::Q5_1:
      case DType::Q5_K:
        put16(blk, scale(rng) * big);
        put16(blk + 2, scale(rng) * big);
        break;
      case DType::Q2_K:
        put16(blk + offsetof(BlockQ2_K, d), scale(rng) * big);
        put16(blk + offsetof(BlockQ2_K, dmin), scale(rng) * big);
        break;
      case DType::Q3_K:
        put16(blk + offsetof(BlockQ3_K, d), scale(rng) * big);
        break;
      default:
        break;
    }
  }
  return data;
}

std::vector<float> activations(int64_t n, Fill fill, std::mt19937& rng) {
  std::vector<float> x(static_cast<size_t>(n));
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (size_t i = 0; i < x.size(); ++i) {
    if (fill == Fill::kZeros)
      x[i] = 0.0f;
    else if (fill == Fill::kExtreme || fill == Fill::kOnes)
      x[i] = (i % 3 ? 1.0f : -1.0f) * 1e3f;
    else
      x[i] = normal(rng) * (i % 97 == 0 ? 20.0f : 1.0f);
  }
  return x;
}

// The scalar reference: the activation row converted by the scalar table, then its dot.
float reference_dot(DType wt, const uint8_t* w, const float* x, int64_t n,
                    std::vector<uint8_t>* xa) {
  const DType at = act_type(wt);
  xa->assign(*row_bytes(at, static_cast<uint64_t>(n)), 0);
  scalar_table().convert[slot(at)](x, xa->data(), n);
  return scalar_table().vec_dot[slot(wt)](w, xa->data(), n);
}

class QuantKernels : public ::testing::TestWithParam<Isa> {};

#define REQUIRE_ISA()                                          \
  const KernelTable* k = kernels::kernels_for(GetParam());     \
  if (!k) {                                                    \
    GTEST_SKIP() << "this CPU lacks " << isa_name(GetParam()); \
  }

// Every SIMD table brings its own dot product for each of these types (none falls back to the
// scalar reference, which would make the comparisons below compare scalar with itself).
TEST_P(QuantKernels, SimdTablesHaveTheirOwnDots) {
  REQUIRE_ISA();
  for (DType wt : kTypes) {
    ASSERT_NE(k->vec_dot[slot(wt)], nullptr) << dtype_name(wt);
    EXPECT_NE(k->vec_dot[slot(wt)], scalar_table().vec_dot[slot(wt)])
        << isa_name(GetParam()) << " " << dtype_name(wt) << " uses the scalar dot";
  }
}

TEST_P(QuantKernels, DotProductsMatchScalar) {
  REQUIRE_ISA();
  std::mt19937 rng(17);
  int checked = 0;
  for (DType wt : kTypes) {
    const kernels::VecDotFn fn = k->vec_dot[slot(wt)];
    ASSERT_NE(fn, nullptr) << dtype_name(wt);
    const int64_t be = dtype_traits(wt).block_elems;
    for (int64_t nb : {1, 2, 3, 7, 16, 17}) {
      const int64_t n = nb * be;
      for (Fill wf : {Fill::kRandom, Fill::kOnes, Fill::kZeros, Fill::kExtreme})
        for (Fill xf : {Fill::kRandom, Fill::kZeros, Fill::kExtreme}) {
          const auto w = weight_rows(wt, n, 1, wf, rng);
          const auto x = activations(n, xf, rng);
          std::vector<uint8_t> xa;
          const float want = reference_dot(wt, w.data(), x.data(), n, &xa);
          const float got = fn(w.data(), xa.data(), n);
          const double mag = magnitude(wt, w.data(), act_type(wt), xa.data(), n);
          EXPECT_NEAR(got, want, 1e-5 * mag + 1e-30)
              << isa_name(GetParam()) << " " << dtype_name(wt) << " n=" << n;
          if (bit_exact(wt)) {
            EXPECT_EQ(got, want) << isa_name(GetParam()) << " " << dtype_name(wt) << " n=" << n;
          }
          ++checked;
        }
    }
  }
  EXPECT_EQ(checked, 6 * 6 * 12);
}

// The batch kernels: against the scalar dots, independent of the row split, a token alone giving
// the bits it gets inside a batch.
TEST_P(QuantKernels, GemmMatchesScalarDots) {
  REQUIRE_ISA();
  std::mt19937 rng(23);
  int kernels_tested = 0;
  for (DType wt : kTypes) {
    const kernels::GemmKernel* g = k->gemm[slot(wt)];
    if (!g) continue;
    ++kernels_tested;
    const bool k_quant = dtype_traits(wt).block_elems == 256;
    for (int64_t nb : {1, 2, 3, 19}) {
      if (k_quant && nb > 3) continue;
      const int64_t n = nb * dtype_traits(wt).block_elems;
      // rows 53: three whole groups of 16 rows and a partial one; n_tok 17: several token tiles.
      for (int64_t rows : {11, 53})
        for (int n_tok : {1, 5, 9, 17})
          for (Fill f : {Fill::kRandom, Fill::kOnes, Fill::kExtreme}) {
            const auto w = weight_rows(wt, n, rows, f, rng);
            const auto x = activations(n * n_tok, f, rng);
            const size_t rb = *row_bytes(wt, static_cast<uint64_t>(n));
            const size_t stride = g->prepared_bytes(n);
            ASSERT_EQ(stride % 64, 0u);
            std::vector<uint8_t> prepared(stride * n_tok);
            for (int t = 0; t < n_tok; ++t)
              g->prepare(x.data() + t * n, prepared.data() + t * stride, n);
            std::vector<float> y(static_cast<size_t>(rows * n_tok), NAN), y_split(y.size(), NAN);
            g->run(w.data(), rb, 0, rows, prepared.data(), n_tok, n, y.data(), rows);
            g->run(w.data(), rb, 0, 3, prepared.data(), n_tok, n, y_split.data(), rows);
            const int64_t mid = rows > 20 ? 20 : 8;  // splits inside and across row groups
            g->run(w.data(), rb, 3, mid, prepared.data(), n_tok, n, y_split.data(), rows);
            g->run(w.data(), rb, mid, rows, prepared.data(), n_tok, n, y_split.data(), rows);
            ASSERT_EQ(y, y_split) << dtype_name(wt) << " nb=" << nb << " rows=" << rows;
            for (int t = 0; t < n_tok; ++t) {
              std::vector<float> y1(static_cast<size_t>(rows));
              g->run(w.data(), rb, 0, rows, prepared.data() + t * stride, 1, n, y1.data(), rows);
              for (int64_t r = 0; r < rows; ++r)
                ASSERT_EQ(y1[r], y[t * rows + r]) << dtype_name(wt) << " tok " << t << " row " << r;
            }
            std::vector<uint8_t> xa;
            for (int t = 0; t < n_tok; ++t)
              for (int64_t r = 0; r < rows; ++r) {
                const uint8_t* wr = w.data() + r * rb;
                const float want = reference_dot(wt, wr, x.data() + t * n, n, &xa);
                const double mag = magnitude(wt, wr, act_type(wt), xa.data(), n);
                ASSERT_NEAR(y[t * rows + r], want, 1e-5 * mag + 1e-30)
                    << isa_name(GetParam()) << " " << dtype_name(wt) << " nb=" << nb << " tok " << t
                    << " row " << r;
                if (bit_exact(wt)) {
                  ASSERT_EQ(y[t * rows + r], want) << dtype_name(wt) << " tok " << t;
                }
              }
          }
    }
  }
  EXPECT_EQ(kernels_tested, 4) << "q4_1, q5_0, q5_1, q5_k batch kernels";
}

// The Q4_1 / Q5_0 / Q5_1 batch kernels do the same operations per (row, token) on every ISA
// (exact block sums, then the same fused float steps in block order): the same bits on avx2,
// avxvnni and avx512, so forcing an ISA never changes these products.
TEST(QuantKernelTables, Q4Q5GemmsAreBitIdenticalAcrossIsas) {
  std::mt19937 rng(29);
  int compared = 0;
  for (DType wt : {DType::Q4_1, DType::Q5_0, DType::Q5_1}) {
    const int64_t n = 19 * 32, rows = 48;
    const int n_tok = 10;
    const auto w = weight_rows(wt, n, rows, Fill::kRandom, rng);
    const auto x = activations(n * n_tok, Fill::kRandom, rng);
    const size_t rb = *row_bytes(wt, static_cast<uint64_t>(n));
    std::vector<float> first;
    for (Isa isa : {Isa::kAvx2, Isa::kAvxVnni, Isa::kAvx512}) {
      const KernelTable* k = kernels::kernels_for(isa);
      const kernels::GemmKernel* g = k ? k->gemm[slot(wt)] : nullptr;
      if (!g) continue;
      const size_t stride = g->prepared_bytes(n);
      std::vector<uint8_t> prepared(stride * n_tok);
      for (int t = 0; t < n_tok; ++t) g->prepare(x.data() + t * n, prepared.data() + t * stride, n);
      std::vector<float> y(static_cast<size_t>(rows * n_tok), NAN);
      g->run(w.data(), rb, 0, rows, prepared.data(), n_tok, n, y.data(), rows);
      if (first.empty()) {
        first = y;
      } else {
        EXPECT_EQ(0, std::memcmp(first.data(), y.data(), y.size() * sizeof(float)))
            << dtype_name(wt) << " " << isa_name(isa);
        ++compared;
      }
    }
  }
  if (kernels::kernels_for(Isa::kAvx512) || kernels::kernels_for(Isa::kAvxVnni)) {
    EXPECT_GT(compared, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Isas, QuantKernels,
                         ::testing::Values(Isa::kAvx2, Isa::kAvxVnni, Isa::kAvx512),
                         [](const auto& info) { return test::isa_param_name(info.param); });

}  // namespace
}  // namespace hearth
#endif  // __x86_64__

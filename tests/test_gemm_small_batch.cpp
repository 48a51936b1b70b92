// The Q8_0 / Q4_0 matmuls on the R16 layout for every batch size the batching engine runs
// (1..33 tokens: whole and partial token tiles, one and several row tiles, the small-batch path
// and the prefill path above it), on every ISA of this CPU, against a reference written here
// from the formats' definitions: per block the exact integer dot of the weight and activation
// quants, then y = fma(float(isum), d_w * d_x, y) in block order. Every result must match it bit
// for bit, so a sequence's logits cannot depend on the size of the batch it runs in, on which
// tile shape served it, or on how the rows were split between threads.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "hearth/cpu.hpp"
#include "hearth/quant.hpp"
#include "kernel_test_util.hpp"
#include "kernels/kernel_table.hpp"
#include "kernels/packed_rows.hpp"

namespace hearth {
namespace {

// Random weight rows with sane scales; `extreme`: every quant at its most negative value.
std::vector<uint8_t> weights(DType type, int64_t n, int64_t rows, bool extreme, std::mt19937& rng) {
  const size_t rb = *row_bytes(type, static_cast<uint64_t>(n));
  const size_t bb = dtype_traits(type).block_bytes;
  std::vector<uint8_t> w(rb * static_cast<size_t>(rows));
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> scale(0.002f, 0.02f);
  for (auto& b : w)
    b = extreme ? (type == DType::Q8_0 ? 0x80 : 0x00) : static_cast<uint8_t>(byte(rng));
  for (size_t i = 0; i < w.size() / bb; ++i) {
    const fp16_t d = fp32_to_fp16(scale(rng) * (extreme ? 100.0f : 1.0f));
    std::memcpy(w.data() + i * bb, &d, 2);
  }
  return w;
}

// The quants of element i of a block (Q4_0: nibble - 8, low nibbles first).
int weight_quant(DType type, const uint8_t* block, int i) {
  if (type == DType::Q8_0) return reinterpret_cast<const BlockQ8_0*>(block)->qs[i];
  const uint8_t q = reinterpret_cast<const BlockQ4_0*>(block)->qs[i % 16];
  return (i < 16 ? q & 0x0F : q >> 4) - 8;
}

// The reference: exact integer block sums, one fused float step per block, in block order.
float reference_dot(DType type, const uint8_t* row, const BlockQ8_0* x, int64_t nb) {
  const size_t bb = dtype_traits(type).block_bytes;
  float y = 0.0f;
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* wb = row + b * bb;
    int32_t isum = 0;
    for (int i = 0; i < kQK; ++i) isum += weight_quant(type, wb, i) * x[b].qs[i];
    fp16_t dw;
    std::memcpy(&dw, wb, 2);
    y = std::fma(static_cast<float>(isum), fp16_to_fp32(dw) * fp16_to_fp32(x[b].d), y);
  }
  return y;
}

class SmallBatchGemm : public ::testing::TestWithParam<Isa> {};

TEST_P(SmallBatchGemm, EveryBatchSizeMatchesTheBlockReferenceBitForBit) {
  const kernels::KernelTable* k = kernels::kernels_for(GetParam());
  if (!k) GTEST_SKIP() << "this CPU lacks " << isa_name(GetParam());
  const kernels::KernelTable& scalar = *kernels::kernels_for(Isa::kScalar);
  std::mt19937 rng(21);
  int tested = 0;
  for (DType wt : {DType::Q8_0, DType::Q4_0}) {
    const kernels::GemmKernel* g = k->gemm[static_cast<int>(wt)];
    if (!g || !g->run_packed) continue;
    ++tested;
    // nb 1 and 3: fewer blocks than prefetched lines per tile; 28: qwen2.5-0.5b's width.
    // rows 16: one group; 112: two row tiles and a partial one (3 + 3 + 1 groups).
    for (int64_t nb : {1, 3, 28})
      for (int64_t rows : {16, 112})
        for (bool extreme : {false, true}) {
          const int64_t n = nb * kQK;
          const auto w = weights(wt, n, rows, extreme, rng);
          const size_t rb = *row_bytes(wt, static_cast<uint64_t>(n));
          std::vector<uint8_t> packed(w.size());
          kernels::pack_rows16(wt, w.data(), rb, n, 0, rows / 16, packed.data());
          constexpr int kMaxTok = 33;
          std::normal_distribution<float> normal(0.0f, 1.0f);
          std::vector<float> x(static_cast<size_t>(n * kMaxTok));
          for (size_t i = 0; i < x.size(); ++i)
            x[i] = extreme ? (i % 3 ? 1e3f : -1e3f) : normal(rng) * (i % 97 == 0 ? 20.0f : 1.0f);
          // The reference's activations from the scalar converter (the same bits as every
          // ISA's preparation: ActivationConvertersAreBitExact).
          std::vector<BlockQ8_0> xq(static_cast<size_t>(nb * kMaxTok));
          for (int t = 0; t < kMaxTok; ++t)
            scalar.convert[static_cast<int>(DType::Q8_0)](x.data() + t * n, xq.data() + t * nb, n);
          std::vector<float> want(static_cast<size_t>(rows * kMaxTok));
          for (int t = 0; t < kMaxTok; ++t)
            for (int64_t r = 0; r < rows; ++r)
              want[t * rows + r] = reference_dot(wt, w.data() + r * rb, xq.data() + t * nb, nb);
          const size_t stride = g->prepared_bytes(n);
          std::vector<uint8_t> act(stride * kMaxTok);
          for (int t = 0; t < kMaxTok; ++t)
            g->prepare(x.data() + t * n, act.data() + t * stride, n);
          for (int n_tok = 1; n_tok <= kMaxTok; ++n_tok) {
            std::vector<float> y(static_cast<size_t>(rows * n_tok), NAN), y_split(y.size(), NAN);
            g->run_packed(packed.data(), rb, 0, rows, act.data(), n_tok, n, y.data(), rows);
            // Two threads' worth of row ranges, one of them ending inside a row tile.
            if (rows > 32) {
              g->run_packed(packed.data(), rb, 0, 32, act.data(), n_tok, n, y_split.data(), rows);
              g->run_packed(packed.data(), rb, 32, rows, act.data(), n_tok, n, y_split.data(),
                            rows);
            }
            for (int t = 0; t < n_tok; ++t)
              for (int64_t r = 0; r < rows; ++r) {
                const size_t i = static_cast<size_t>(t * rows + r);
                ASSERT_EQ(y[i], want[i]) << dtype_name(wt) << " nb=" << nb << " rows=" << rows
                                         << " n_tok=" << n_tok << " tok " << t << " row " << r;
                if (rows > 32) {
                  ASSERT_EQ(y_split[i], want[i]) << dtype_name(wt) << " split, n_tok=" << n_tok;
                }
              }
          }
        }
  }
  if (GetParam() != Isa::kScalar) {
    EXPECT_EQ(tested, 2) << "q8_0 and q4_0 have R16 kernels";
  }
}

INSTANTIATE_TEST_SUITE_P(Isas, SmallBatchGemm,
                         ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvxVnni, Isa::kAvx512,
                                           Isa::kNeon, Isa::kNeonDotprod, Isa::kNeonI8mm),
                         [](const auto& info) { return test::isa_param_name(info.param); });

}  // namespace
}  // namespace hearth

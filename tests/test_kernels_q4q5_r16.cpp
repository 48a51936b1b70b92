// The R16 layout of Q4_1 / Q5_0 / Q5_1 weights (kernels/packed_rows_q4q5.hpp) and the kernels
// that read it (GemmKernel::run_packed): packing is a permutation whose documented positions hold
// the values dequantize_row gives (an independent reading of the layout), and run_packed gives,
// per (row, token), exactly the bits of the same table's batch kernel on the row layout (the
// prompt path), alone or in a batch, for any split of the row groups and through matmul on 1 and
// 2 threads with a partial last group, and the scalar dots within the float rounding.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/thread_pool.hpp"
#include "hearth/quant.hpp"
#include "kernel_test_util.hpp"
#include "kernels/kernel_table.hpp"
#include "kernels/packed_rows.hpp"
#include "kernels/packed_rows_q4q5.hpp"
#include "model/matmul.hpp"

namespace hearth {
namespace {

using kernels::KernelTable;
using test::check_packed_gemm_bits;
using test::magnitude;
using test::scalar_table;
using test::slot;

const DType kTypes[] = {DType::Q4_1, DType::Q5_0, DType::Q5_1};

DType act_type(DType w) {
  return w == DType::Q5_0 ? DType::Q8_0 : DType::Q8_1;
}

enum class Fill { kRandom, kOnes, kExtreme };

// Random quant bytes (kOnes / kExtreme: all 0xFF, so every fifth bit is set and every nibble is
// 15; kExtreme with large scales), sane positive scales and mins.
std::vector<uint8_t> weight_rows(DType type, int64_t n, int64_t rows, Fill fill,
                                 std::mt19937& rng) {
  const size_t rb = *row_bytes(type, static_cast<uint64_t>(n));
  std::vector<uint8_t> data(rb * static_cast<size_t>(rows));
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> scale(0.002f, 0.02f);
  for (auto& b : data) b = fill == Fill::kRandom ? static_cast<uint8_t>(byte(rng)) : 0xFF;
  const float big = fill == Fill::kExtreme ? 100.0f : 1.0f;
  const size_t bb = dtype_traits(type).block_bytes;
  for (size_t i = 0; i < data.size() / bb; ++i) {
    uint8_t* blk = data.data() + i * bb;
    const fp16_t d = fp32_to_fp16(scale(rng) * big), m = fp32_to_fp16(-scale(rng) * big);
    std::memcpy(blk, &d, 2);
    if (type != DType::Q5_0) std::memcpy(blk + 2, &m, 2);
  }
  return data;
}

std::vector<float> activations(int64_t n, Fill fill, std::mt19937& rng) {
  std::vector<float> x(static_cast<size_t>(n));
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = fill == Fill::kRandom ? normal(rng) * (i % 97 == 0 ? 20.0f : 1.0f)
                                 : (i % 3 ? 1.0f : -1.0f) * 1e3f;
  return x;
}

// The scalar reference dot of one row with one token.
float reference_dot(DType wt, const uint8_t* w, const float* x, int64_t n,
                    std::vector<uint8_t>* xa) {
  const DType at = act_type(wt);
  xa->assign(*row_bytes(at, static_cast<uint64_t>(n)), 0);
  scalar_table().convert[slot(at)](x, xa->data(), n);
  return scalar_table().vec_dot[slot(wt)](w, xa->data(), n);
}

// The fifth-bit arrangement, bits placed by hand from the header's rule (element e = 16 hi + 4 j
// + k goes to bit 8 k + 4 hi + j), and its inverse.
TEST(PackedRowsQ4Q5, FifthBitArrangement) {
  const std::pair<int, int> moves[] = {{0, 0},   {1, 8},  {3, 24},  {4, 1},   {7, 25},
                                       {15, 27}, {16, 4}, {21, 13}, {31, 31}, {26, 22}};
  for (auto [from, to] : moves)
    EXPECT_EQ(kernels::q5_qh_to_r16(1u << from), 1u << to) << "element " << from;
  std::mt19937 rng(5);
  for (int i = 0; i < 1000; ++i) {
    const uint32_t v = rng();
    EXPECT_EQ(kernels::q5_qh_from_r16(kernels::q5_qh_to_r16(v)), v);
  }
}

// Packing is a pure permutation (every row comes back byte for byte, from any split into group
// ranges), and each element's value read at its documented place in the packed group (nibble of
// qs vector j, fifth bit at bit 8 k + 4 hi + j of qh, scale d, min m) is dequantize_row's.
TEST(PackedRowsQ4Q5, PackingIsAPermutationWithTheDocumentedPlaces) {
  std::mt19937 rng(11);
  for (DType wt : kTypes) {
    const int64_t n = 7 * 32, rows = 48, nb = n / 32;
    EXPECT_TRUE(kernels::packable_rows16(wt, n, rows));
    EXPECT_FALSE(kernels::packable_rows16(wt, n, 40));
    EXPECT_FALSE(kernels::packable_rows16(wt, 48, rows));
    const auto w = weight_rows(wt, n, rows, Fill::kRandom, rng);
    const size_t rb = *row_bytes(wt, static_cast<uint64_t>(n));
    std::vector<uint8_t> packed(w.size(), 0xAB), back(rb);
    kernels::pack_rows16(wt, w.data(), rb, n, 0, 1, packed.data());
    kernels::pack_rows16(wt, w.data(), rb, n, 1, rows / 16, packed.data());
    EXPECT_NE(packed, w);
    for (int64_t r = 0; r < rows; ++r) {
      kernels::unpack_row16(wt, packed.data(), rb, n, r, back.data());
      ASSERT_EQ(0, std::memcmp(back.data(), w.data() + r * rb, rb))
          << dtype_name(wt) << " row " << r;
    }
    const kernels::Q4Q5R16Block L = kernels::q4q5_r16_block(wt);
    ASSERT_EQ(L.bytes, 16 * dtype_traits(wt).block_bytes);
    const bool five = wt != DType::Q4_1, min = wt != DType::Q5_0;
    std::vector<float> want(static_cast<size_t>(n));
    for (int64_t r = 0; r < rows; ++r) {
      dequantize_row(wt, w.data() + r * rb, want.data(), static_cast<size_t>(n));
      const uint8_t* group = packed.data() + (r / 16) * 16 * rb;
      const int lane = static_cast<int>(r % 16);
      for (int64_t b = 0; b < nb; ++b) {
        const uint8_t* blk = group + b * L.bytes;
        fp16_t d, m = 0;
        std::memcpy(&d, blk + L.d + 2 * lane, 2);
        if (min) std::memcpy(&m, blk + L.m + 2 * lane, 2);
        uint32_t qh = 0;
        if (five) std::memcpy(&qh, blk + L.qh + 4 * lane, 4);
        for (int e = 0; e < 32; ++e) {
          const int hi = e / 16, j = e / 4 % 4, k = e % 4;
          const uint8_t byte = blk[64 * j + 4 * lane + k];
          int q = hi ? byte >> 4 : byte & 15;
          if (five) q |= static_cast<int>(qh >> (8 * k + 4 * hi + j) & 1) << 4;
          const float v = wt == DType::Q5_0
                              ? fp16_to_fp32(d) * static_cast<float>(q - 16)
                              : fp16_to_fp32(d) * static_cast<float>(q) + fp16_to_fp32(m);
          ASSERT_EQ(v, want[b * 32 + e]) << dtype_name(wt) << " row " << r << " elem " << e;
        }
      }
    }
  }
}

#if defined(__x86_64__)  // the x86 tables (NEON keeps the scalar dots of these types)
class PackedQ4Q5 : public ::testing::TestWithParam<Isa> {};

// pack_r16 (where an ISA has one) writes the portable packer's bytes, and run_packed against run
// (the batch kernel of the same table, on the row layout): the same bits
// for every token count (decode's single token included), row split and fill; and the scalar
// dots within the float rounding of another summation order.
TEST_P(PackedQ4Q5, RunPackedMatchesBatchKernelBits) {
  const KernelTable* k = kernels::kernels_for(GetParam());
  if (!k) GTEST_SKIP() << "this CPU lacks " << isa_name(GetParam());
  std::mt19937 rng(7);
  int kernels_tested = 0;
  for (DType wt : kTypes) {
    const kernels::GemmKernel* g = k->gemm[slot(wt)];
    if (!g || !g->run_packed) continue;
    ++kernels_tested;
    for (int64_t nb : {1, 3, 19}) {
      const int64_t n = nb * 32;
      for (int64_t rows : {16, 48, 112})
        for (int n_tok : {1, 2, 4, 5, 9, 17})
          for (Fill f : {Fill::kRandom, Fill::kOnes, Fill::kExtreme}) {
            const auto w = weight_rows(wt, n, rows, f, rng);
            const auto x = activations(n * n_tok, f, rng);
            const size_t rb = *row_bytes(wt, static_cast<uint64_t>(n));
            std::vector<float> y;
            ASSERT_NO_FATAL_FAILURE(check_packed_gemm_bits(*g, wt, w, x, n, rows, n_tok, &y));
            std::vector<uint8_t> xa;
            for (int t = 0; t < n_tok; ++t)
              for (int64_t r = 0; r < rows; r += 5) {
                const uint8_t* wr = w.data() + r * rb;
                const float want = reference_dot(wt, wr, x.data() + t * n, n, &xa);
                const double mag = magnitude(wt, wr, act_type(wt), xa.data(), n);
                ASSERT_NEAR(y[t * rows + r], want, 1e-5 * mag + 1e-30)
                    << isa_name(GetParam()) << " " << dtype_name(wt) << " tok " << t << " row "
                    << r;
              }
          }
    }
  }
  // Every x86 table repacks these types (avx512 runs AVX2's R16 kernels for them).
  EXPECT_EQ(kernels_tested, 3) << "q4_1, q5_0, q5_1 run_packed";
}

INSTANTIATE_TEST_SUITE_P(Isas, PackedQ4Q5,
                         ::testing::Values(Isa::kAvx2, Isa::kAvxVnni, Isa::kAvx512),
                         [](const auto& info) { return test::isa_param_name(info.param); });
#endif  // __x86_64__

// Through matmul with the active table (whatever HEARTH_FORCE_ISA chose; named ForwardMatmul* so
// that the per-ISA fidelity runs, ctest fidelity_isa_avx2 / _avxvnni, select it): weights whose
// n_out is not a multiple of 16 (the last rows stay in the row layout), decode, a small batch and a
// prompt, on 1 and 2 threads: every (row, token) gets the bits of the batch kernel on the row
// layout, which the prompt path of an unpacked weight runs.
TEST(ForwardMatmulPackedQ4Q5, PartialLastGroupAndThreadsKeepTheBits) {
  const int64_t n_in = 256;
  std::mt19937 rng(4321);
  ThreadPool pool(2);
  int tested = 0;
  for (DType type : kTypes) {
    const kernels::GemmKernel* g = kernels::active_kernels().gemm[slot(type)];
    // Not a skip: the scalar and avx512 tables read no R16 layout for these types.
    if (!g || !g->run_packed) continue;
    ++tested;
    for (int64_t n_out : {17, 40, 71}) {
      const auto w = weight_rows(type, n_in, n_out, Fill::kRandom, rng);
      const test::RepackedWeight weight(type, w, n_in, n_out);
      const TensorView& repacked = weight.view;
      for (int n_tok : {1, 3, 40}) {
        const auto x = activations(n_in * n_tok, Fill::kRandom, rng);
        // The reference bits: the batch kernel on the row layout, all tokens at once.
        const size_t stride = g->prepared_bytes(n_in);
        std::vector<uint8_t> prepared(stride * n_tok);
        for (int t = 0; t < n_tok; ++t)
          g->prepare(x.data() + t * n_in, prepared.data() + t * stride, n_in);
        std::vector<float> want(static_cast<size_t>(n_tok * n_out)), one(want.size(), NAN),
            two(want.size(), NAN);
        g->run(w.data(), repacked.row_bytes, 0, n_out, prepared.data(), n_tok, n_in, want.data(),
               n_out);
        matmul(repacked, x.data(), one.data(), n_tok, nullptr);
        matmul(repacked, x.data(), two.data(), n_tok, &pool);
        EXPECT_EQ(one, want) << dtype_name(type) << " rows " << n_out << " tokens " << n_tok;
        EXPECT_EQ(two, want) << dtype_name(type) << " rows " << n_out << " tokens " << n_tok
                             << ", 2 threads";
      }
    }
  }
  const Isa isa = kernels::active_kernels().isa;
  if (isa == Isa::kAvx2 || isa == Isa::kAvxVnni) {
    EXPECT_EQ(tested, 3);
  }
}

}  // namespace
}  // namespace hearth

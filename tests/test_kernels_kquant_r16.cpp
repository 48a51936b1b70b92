// The R16 layout of Q4_K / Q5_K / Q6_K weights (kernels/packed_rows_kquant.hpp) and the kernels
// that read it (GemmKernel::run_packed): packing is a permutation whose documented positions hold
// the values dequantize_row gives (an independent reading of the layout), and run_packed gives,
// per (row, token), exactly the bits of the same table's batch kernel on the row layout and of
// the scalar dot products (the K-quant kernels keep the scalar dot's integers and float steps),
// alone or in a batch, for any split of the row groups and through matmul on 1 and 2 threads
// with a partial last group.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstring>
#include <random>
#include <vector>

#include "core/thread_pool.hpp"
#include "hearth/quant.hpp"
#include "kernel_test_util.hpp"
#include "kernels/kernel_table.hpp"
#include "kernels/packed_rows.hpp"
#include "kernels/packed_rows_kquant.hpp"
#include "model/matmul.hpp"

namespace hearth {
namespace {

using kernels::KernelTable;
using test::check_packed_gemm_bits;
using test::scalar_table;
using test::slot;

// kRandom: random bytes; kHigh: every byte 0xFF (all nibbles 15, Q6_K q = 63 with scale -1, all
// 6-bit scales and mins 63: the largest integer sums); kLow: every byte 0x80 (Q6_K scale -128).
enum class Fill { kRandom, kHigh, kLow };

std::vector<uint8_t> weight_rows(DType type, int64_t n, int64_t rows, Fill fill,
                                 std::mt19937& rng) {
  const size_t rb = *row_bytes(type, static_cast<uint64_t>(n));
  std::vector<uint8_t> data(rb * static_cast<size_t>(rows));
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> scale(0.002f, 0.02f);
  for (auto& b : data)
    b = fill == Fill::kRandom ? static_cast<uint8_t>(byte(rng)) : fill == Fill::kHigh ? 0xFF : 0x80;
  const size_t bb = dtype_traits(type).block_bytes;
  for (size_t i = 0; i < data.size() / bb; ++i) {
    uint8_t* blk = data.data() + i * bb;
    const fp16_t d = fp32_to_fp16(scale(rng)), m = fp32_to_fp16(scale(rng));
    if (type == DType::Q6_K) {
      std::memcpy(blk + offsetof(BlockQ6_K, d), &d, 2);
    } else {
      std::memcpy(blk, &d, 2);
      std::memcpy(blk + 2, &m, 2);
    }
  }
  return data;
}

std::vector<float> activations(int64_t n, Fill fill, std::mt19937& rng) {
  std::vector<float> x(static_cast<size_t>(n));
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = fill == Fill::kRandom ? normal(rng) * (i % 97 == 0 ? 20.0f : 1.0f)
                                 : (i % 3 ? 1.0f : -1.0f) * 1e3f;  // Q8_K values +-127
  return x;
}

// The scalar reference dot of one row with one token (Q8_K activations).
float scalar_dot(DType wt, const uint8_t* w, const float* x, int64_t n, std::vector<uint8_t>* xa) {
  xa->assign(*row_bytes(DType::Q8_K, static_cast<uint64_t>(n)), 0);
  scalar_table().convert[slot(DType::Q8_K)](x, xa->data(), n);
  return scalar_table().vec_dot[slot(wt)](w, xa->data(), n);
}

// Element e of super-block s of row `lane` read at the header's documented places.
float q4_k_value(const uint8_t* sb, int lane, int e) {
  auto byte_of_word = [&](int w, int b) { return sb[64 * w + 4 * lane + b]; };
  fp16_t d, dmin;
  std::memcpy(&d, sb + 4 * lane, 2);
  std::memcpy(&dmin, sb + 4 * lane + 2, 2);
  uint8_t scales[12];
  for (int t = 0; t < 12; ++t) scales[t] = byte_of_word(1 + t / 4, t % 4);
  const int j = e / 32, c = j / 2, k = e % 32 / 4;
  const uint8_t q = byte_of_word(4 + 8 * c + k, e % 4);
  uint8_t sc, m;
  k_scale_min(j, scales, &sc, &m);
  const float d1 = fp16_to_fp32(d) * sc, m1 = fp16_to_fp32(dmin) * m;
  return d1 * static_cast<float>(j % 2 ? q >> 4 : q & 0xF) - m1;
}

float q6_k_value(const uint8_t* sb, const uint8_t* d_at, int lane, int e) {
  auto byte_at = [&](int i) { return sb[64 * (i / 4) + 4 * lane + i % 4]; };
  const int h = e / 128, quarter = e % 128 / 32, l = e % 32;
  const uint8_t ql = byte_at(64 * h + (quarter & 1) * 32 + l);
  const uint8_t qh = byte_at(128 + 32 * h + l);
  const int q = ((quarter >= 2 ? ql >> 4 : ql & 0xF) | ((qh >> (2 * quarter)) & 3) << 4) - 32;
  const auto sc = static_cast<int8_t>(byte_at(192 + e / 16));
  fp16_t d;
  std::memcpy(&d, d_at + 2 * lane, 2);
  return fp16_to_fp32(d) * static_cast<float>(sc) * static_cast<float>(q);
}

TEST(PackedRowsKQuant, PackingIsAPermutationWithTheDocumentedPlaces) {
  std::mt19937 rng(11);
  for (DType wt : {DType::Q4_K, DType::Q5_K, DType::Q6_K}) {
    const int64_t nsb = 3, n = nsb * 256, rows = 48;
    EXPECT_TRUE(kernels::packable_rows16(wt, n, rows));
    EXPECT_FALSE(kernels::packable_rows16(wt, n, 40));
    EXPECT_FALSE(kernels::packable_rows16(wt, 128, rows));
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
    if (wt == DType::Q5_K) continue;  // Q4_K's places with qh words between: the permutation
    const kernels::KQuantR16Layout L = kernels::kquant_r16_layout(wt, nsb);
    ASSERT_EQ(L.sb_bytes * nsb + 16 * L.tail_bytes * nsb, 16 * rb);
    std::vector<float> want(static_cast<size_t>(n));
    for (int64_t r = 0; r < rows; ++r) {
      dequantize_row(wt, w.data() + r * rb, want.data(), static_cast<size_t>(n));
      const uint8_t* group = packed.data() + (r / 16) * 16 * rb;
      const int lane = static_cast<int>(r % 16);
      for (int64_t s = 0; s < nsb; ++s)
        for (int e = 0; e < 256; ++e) {
          const uint8_t* sb = group + s * L.sb_bytes;
          const float v = wt == DType::Q4_K ? q4_k_value(sb, lane, e)
                                            : q6_k_value(sb, group + L.tail_at + 32 * s, lane, e);
          ASSERT_EQ(v, want[s * 256 + e]) << dtype_name(wt) << " row " << r << " elem " << e;
        }
    }
  }
}

#if defined(__x86_64__)
class PackedKQuant : public ::testing::TestWithParam<Isa> {};

// pack_r16 (where an ISA has one) writes the portable packer's bytes, run_packed gives the bits
// of run (the batch kernel of the same table, on the row layout) for every token count (decode's
// single token included), row split and fill, and those are the scalar dots' bits.
TEST_P(PackedKQuant, RunPackedMatchesBatchKernelAndScalarDotBits) {
  const KernelTable* k = kernels::kernels_for(GetParam());
  if (!k) GTEST_SKIP() << "this CPU lacks " << isa_name(GetParam());
  std::mt19937 rng(7);
  int kernels_tested = 0;
  for (DType wt : {DType::Q4_K, DType::Q6_K}) {
    const kernels::GemmKernel* g = k->gemm[slot(wt)];
    if (!g || !g->run_packed) continue;
    ++kernels_tested;
    for (int64_t nsb : {1, 3, 8}) {
      const int64_t n = nsb * 256;
      for (int64_t rows : {16, 48, 112})
        for (int n_tok : {1, 2, 3, 4, 5, 8, 9, 17, 40})
          for (Fill f : {Fill::kRandom, Fill::kHigh, Fill::kLow}) {
            if ((f != Fill::kRandom || rows == 112) && (n_tok > 5 || nsb == 8)) continue;
            const auto w = weight_rows(wt, n, rows, f, rng);
            const auto x = activations(n * n_tok, f, rng);
            const size_t rb = *row_bytes(wt, static_cast<uint64_t>(n));
            std::vector<float> y;
            ASSERT_NO_FATAL_FAILURE(check_packed_gemm_bits(*g, wt, w, x, n, rows, n_tok, &y));
            std::vector<uint8_t> xa;
            for (int t = 0; t < n_tok; ++t)
              for (int64_t r = 0; r < rows; r += 3) {
                const float want = scalar_dot(wt, w.data() + r * rb, x.data() + t * n, n, &xa);
                ASSERT_EQ(y[t * rows + r], want) << isa_name(GetParam()) << " " << dtype_name(wt)
                                                 << " tok " << t << " row " << r;
              }
          }
    }
  }
  EXPECT_EQ(kernels_tested, 2) << "q4_k, q6_k run_packed";
}

INSTANTIATE_TEST_SUITE_P(Isas, PackedKQuant,
                         ::testing::Values(Isa::kAvx2, Isa::kAvxVnni, Isa::kAvx512),
                         [](const auto& info) { return test::isa_param_name(info.param); });
#endif  // __x86_64__

// Through matmul with the active table (whatever HEARTH_FORCE_ISA chose; named ForwardMatmul* so
// that the per-ISA fidelity runs select it): weights whose n_out is not a multiple of 16 (the last
// rows stay in the row layout), decode, a small batch and a prompt, on 1 and 2 threads: every
// (row, token) gets the scalar dot's bits.
TEST(ForwardMatmulPackedKQuant, PartialLastGroupAndThreadsKeepTheBits) {
  const int64_t n_in = 512;
  std::mt19937 rng(4321);
  ThreadPool pool(2);
  for (DType type : {DType::Q4_K, DType::Q6_K}) {
    const kernels::GemmKernel* g = kernels::active_kernels().gemm[slot(type)];
    // Not a skip: the scalar and NEON tables read no R16 layout for these types.
    if (!g || !g->run_packed) continue;
    for (int64_t n_out : {17, 40, 71}) {
      const auto w = weight_rows(type, n_in, n_out, Fill::kRandom, rng);
      const test::RepackedWeight weight(type, w, n_in, n_out);
      const TensorView& repacked = weight.view;
      for (int n_tok : {1, 3, 40}) {
        const auto x = activations(n_in * n_tok, Fill::kRandom, rng);
        std::vector<float> want(static_cast<size_t>(n_tok * n_out)), one(want.size(), NAN),
            two(want.size(), NAN);
        std::vector<uint8_t> xa;
        for (int t = 0; t < n_tok; ++t)
          for (int64_t r = 0; r < n_out; ++r)
            want[t * n_out + r] =
                scalar_dot(type, w.data() + r * repacked.row_bytes, x.data() + t * n_in, n_in, &xa);
        matmul(repacked, x.data(), one.data(), n_tok, nullptr);
        matmul(repacked, x.data(), two.data(), n_tok, &pool);
        EXPECT_EQ(one, want) << dtype_name(type) << " rows " << n_out << " tokens " << n_tok;
        EXPECT_EQ(two, want) << dtype_name(type) << " rows " << n_out << " tokens " << n_tok
                             << ", 2 threads";
      }
    }
  }
}

}  // namespace
}  // namespace hearth

// Every SIMD kernel of every ISA this CPU has against the scalar reference table: dot products
// within 1e-5 of the summed magnitude (they only sum floats in another order), activation
// converters bit for bit, tiled gemm kernels against scalar dots and independent of how the rows
// are split; the vectorized exp within 1 ulp of a double-precision reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "hearth/quant.hpp"
#include "kernel_test_util.hpp"
#include "kernels/kernel_table.hpp"
#include "kernels/packed_rows.hpp"

namespace hearth {
namespace {

using kernels::KernelTable;
using test::check_packed_gemm_bits;
using test::magnitude;
using test::scalar_table;
using test::slot;

const DType kWeightTypes[] = {DType::F32,  DType::F16,  DType::BF16, DType::Q8_0,
                              DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1,
                              DType::Q4_K, DType::Q5_K, DType::Q6_K};
const DType kActTypes[] = {DType::F32,  DType::F16,  DType::BF16,
                           DType::Q8_0, DType::Q8_1, DType::Q8_K};

DType act_type(DType w) {
  switch (w) {
    case DType::F32:
    case DType::F16:
    case DType::BF16:
      return w;
    case DType::Q4_0:
    case DType::Q5_0:
    case DType::Q8_0:
      return DType::Q8_0;
    case DType::Q4_1:
    case DType::Q5_1:
      return DType::Q8_1;
    default:
      return DType::Q8_K;
  }
}

enum class Fill { kRandom, kZero, kExtreme };

// Weight rows: random bytes with sane scales (kExtreme: every quant byte at its extreme, large
// scales; kZero: all bytes zero).
std::vector<uint8_t> weight_rows(DType type, int64_t n, int64_t rows, Fill fill,
                                 std::mt19937& rng) {
  const size_t rb = *row_bytes(type, static_cast<uint64_t>(n));
  std::vector<uint8_t> data(rb * static_cast<size_t>(rows), 0);
  if (fill == Fill::kZero) return data;
  std::uniform_int_distribution<int> byte(0, 255);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> scale(0.002f, 0.02f);
  for (auto& b : data) b = fill == Fill::kExtreme ? 0x80 : static_cast<uint8_t>(byte(rng));
  const auto& tr = dtype_traits(type);
  auto put16 = [](uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); };
  const float big = fill == Fill::kExtreme ? 100.0f : 1.0f;
  for (size_t i = 0; i < data.size() / tr.block_bytes; ++i) {
    uint8_t* blk = data.data() + i * tr.block_bytes;
    switch (type) {
      case DType::F32: {
        const float v = fill == Fill::kExtreme ? -1e3f : normal(rng) * 0.05f;
        std::memcpy(blk, &v, 4);
        break;
      }
      case DType::F16:
        put16(blk, fp32_to_fp16(fill == Fill::kExtreme ? -60000.f : normal(rng) * 0.05f));
        break;
      case DType::BF16:
        put16(blk, fp32_to_bf16(fill == Fill::kExtreme ? -1e30f : normal(rng) * 0.05f));
        break;
      case DType::Q4_0:
      case DType::Q5_0:
      case DType::Q8_0:
        put16(blk, fp32_to_fp16(scale(rng) * big));
        break;
      case DType::Q4_1:
      case DType::Q5_1:
      case DType::Q4_K:
      case DType::Q5_K:
        put16(blk, fp32_to_fp16(scale(rng) * big));
        put16(blk + 2, fp32_to_fp16(scale(rng) * big));
        break;
      case DType::Q6_K:
        put16(blk + offsetof(BlockQ6_K, d), fp32_to_fp16(scale(rng) * 0.1f * big));
        break;
      default:
        break;
    }
  }
  return data;
}

std::vector<float> activations(int64_t n, Fill fill, std::mt19937& rng) {
  std::vector<float> x(static_cast<size_t>(n), 0.0f);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (size_t i = 0; i < x.size(); ++i) {
    if (fill == Fill::kZero)
      x[i] = 0.0f;
    else if (fill == Fill::kExtreme)
      x[i] = (i % 3 ? 1.0f : -1.0f) * 1e3f;
    else
      x[i] = normal(rng) * (i % 97 == 0 ? 20.0f : 1.0f);
  }
  return x;
}

std::vector<int64_t> sizes_for(DType t) {
  const int64_t be = dtype_traits(t).block_elems;
  if (be == 1) return {1, 7, 15, 16, 17, 31, 33, 64, 100, 257, 1000, 4096};
  return {be, 2 * be, 3 * be, 7 * be, 16 * be, 17 * be};
}

bool is_neon(Isa isa) {
  return isa == Isa::kNeon || isa == Isa::kNeonDotprod || isa == Isa::kNeonI8mm;
}

class Kernels : public ::testing::TestWithParam<Isa> {
 protected:
  const KernelTable* table() {
    const KernelTable* t = kernels::kernels_for(GetParam());
    return t;
  }
};

#define REQUIRE_ISA()                                          \
  const KernelTable* k = table();                              \
  if (!k) {                                                    \
    GTEST_SKIP() << "this CPU lacks " << isa_name(GetParam()); \
  }

TEST_P(Kernels, DotProductsMatchScalar) {
  REQUIRE_ISA();
  std::mt19937 rng(7);
  int checked = 0;
  for (DType wt : kWeightTypes) {
    const kernels::VecDotFn fn = k->vec_dot[slot(wt)], ref = scalar_table().vec_dot[slot(wt)];
    ASSERT_NE(fn, nullptr) << dtype_name(wt);
    const DType at = act_type(wt);
    for (int64_t n : sizes_for(wt)) {
      for (Fill wf : {Fill::kRandom, Fill::kZero, Fill::kExtreme}) {
        for (Fill xf : {Fill::kRandom, Fill::kZero, Fill::kExtreme}) {
          const auto w = weight_rows(wt, n, 1, wf, rng);
          const auto x = activations(n, xf, rng);
          std::vector<uint8_t> xa(*row_bytes(at, static_cast<uint64_t>(n)));
          scalar_table().convert[slot(at)](x.data(), xa.data(), n);
          const float want = ref(w.data(), xa.data(), n), got = fn(w.data(), xa.data(), n);
          const double mag = magnitude(wt, w.data(), at, xa.data(), n);
          EXPECT_NEAR(got, want, 1e-5 * mag + 1e-30)
              << isa_name(GetParam()) << " " << dtype_name(wt) << " n=" << n;
          // The AVX2 K-quant dots build the same exact integers and scale them like scalar.
          if (wt == DType::Q4_K || wt == DType::Q6_K) {
            EXPECT_EQ(got, want) << isa_name(GetParam()) << " " << dtype_name(wt) << " n=" << n;
          }
          // The NEON Q8_0 / Q4_0 dots too (exact block sums, the scalar float steps).
          if (is_neon(GetParam()) && (wt == DType::Q8_0 || wt == DType::Q4_0)) {
            EXPECT_EQ(got, want) << isa_name(GetParam()) << " " << dtype_name(wt) << " n=" << n;
          }
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 100);
}

TEST_P(Kernels, ActivationConvertersAreBitExact) {
  REQUIRE_ISA();
  std::mt19937 rng(11);
  for (DType at : kActTypes) {
    const kernels::ConvertFn fn = k->convert[slot(at)], ref = scalar_table().convert[slot(at)];
    ASSERT_NE(fn, nullptr) << dtype_name(at);
    const int64_t be = dtype_traits(at).block_elems;
    for (int64_t nb : {1, 2, 3, 8, 17}) {
      const int64_t n = be == 1 ? nb * 7 + 3 : nb * be;  // odd lengths for plain types
      for (Fill f : {Fill::kRandom, Fill::kZero, Fill::kExtreme}) {
        std::vector<float> x = activations(n, f, rng);
        if (f == Fill::kRandom && n >= 32) {
          // Ties of the Q8_0 rounding: amax 127 makes the scale 1, so k + 0.5 must go to even.
          for (int j = 0; j < 32; ++j) x[j] = static_cast<float>(j - 16) + 0.5f;
          x[0] = 127.0f;
          x[1] = 1e-41f;                 // subnormal
          if (n > 40) x[40] = 65519.0f;  // largest value rounding to a finite half
        }
        const size_t bytes = *row_bytes(at, static_cast<uint64_t>(n));
        std::vector<uint8_t> got(bytes, 0xAA), want(bytes, 0xAA);
        fn(x.data(), got.data(), n);
        ref(x.data(), want.data(), n);
        EXPECT_EQ(got, want) << isa_name(GetParam()) << " " << dtype_name(at) << " n=" << n;
      }
    }
  }
}

TEST_P(Kernels, TiledGemmMatchesScalarDots) {
  REQUIRE_ISA();
  std::mt19937 rng(5);
  int kernels_tested = 0;
  for (DType wt : kWeightTypes) {
    const kernels::GemmKernel* g = k->gemm[slot(wt)];
    if (!g) continue;
    ++kernels_tested;
    const DType at = act_type(wt);
    // rows 53: three whole groups of 16 rows and a partial one (the AVX-512 kernel's tiles);
    // n_tok 17: several token tiles and a partial one.
    // Widths in blocks of 32, or of 256 for the K-quants (fewer: each block is 8x larger).
    const bool k_quant = dtype_traits(wt).block_elems == 256;
    for (int64_t nb : {1, 2, 3, 18, 19, 48}) {
      if (k_quant && nb > 3) continue;
      const int64_t n = nb * (k_quant ? 256 : 32);
      for (int64_t rows : {11, 53})
        for (int n_tok : {1, 2, 5, 9, 17}) {
          for (Fill f : {Fill::kRandom, Fill::kExtreme}) {
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
            // Any split of the rows gives the same bits.
            g->run(w.data(), rb, 0, 3, prepared.data(), n_tok, n, y_split.data(), rows);
            g->run(w.data(), rb, 3, 8, prepared.data(), n_tok, n, y_split.data(), rows);
            g->run(w.data(), rb, 8, rows, prepared.data(), n_tok, n, y_split.data(), rows);
            EXPECT_EQ(y, y_split) << dtype_name(wt) << " nb=" << nb << " rows=" << rows;
            // A token alone (decode) gives the same bits as inside a batch (prefill).
            for (int t = 0; t < n_tok; ++t) {
              std::vector<float> y1(static_cast<size_t>(rows));
              g->run(w.data(), rb, 0, rows, prepared.data() + t * stride, 1, n, y1.data(), rows);
              for (int64_t r = 0; r < rows; ++r)
                ASSERT_EQ(y1[r], y[t * rows + r]) << dtype_name(wt) << " tok " << t << " row " << r;
            }
            std::vector<uint8_t> xa(*row_bytes(at, static_cast<uint64_t>(n)));
            for (int t = 0; t < n_tok; ++t) {
              scalar_table().convert[slot(at)](x.data() + t * n, xa.data(), n);
              for (int64_t r = 0; r < rows; ++r) {
                const uint8_t* wr = w.data() + r * rb;
                const float want = scalar_table().vec_dot[slot(wt)](wr, xa.data(), n);
                const double mag = magnitude(wt, wr, at, xa.data(), n);
                EXPECT_NEAR(y[t * rows + r], want, 1e-5 * mag + 1e-30)
                    << dtype_name(wt) << " nb=" << nb << " tok " << t << " row " << r;
                // The K-quant kernels build the scalar dot's exact integers and float steps.
                if (k_quant) {
                  EXPECT_EQ(y[t * rows + r], want) << dtype_name(wt) << " tok " << t;
                }
              }
            }
          }
        }
    }
  }
  if (GetParam() == Isa::kAvx512) {
    EXPECT_EQ(kernels_tested, 11)
        << "q8_0, q4_0, f32, f16, bf16, q4_k, q6_k, q4_1, q5_0, q5_1, q5_k";
  }
  if (is_neon(GetParam())) {
    EXPECT_EQ(kernels_tested, 7) << "q8_0, q4_0, f32, f16, bf16, q4_k, q6_k";
  }
}

// The R16 layout (kernels/packed_rows.hpp): packing is a pure permutation (every row comes back
// byte for byte), and run_packed gives, per (row, token), the bits of the same table's run on the
// row layout, near the scalar dots, alone or in a batch, for any split of the row groups.
TEST(PackedRows, PackingIsAPermutation) {
  std::mt19937 rng(11);
  for (DType wt : {DType::Q8_0, DType::Q4_0}) {
    const int64_t n = 7 * 32, rows = 48;
    EXPECT_TRUE(kernels::packable_rows16(wt, n, rows));
    EXPECT_FALSE(kernels::packable_rows16(wt, n, 40));
    EXPECT_FALSE(kernels::packable_rows16(DType::Q3_K, 256, rows));
    const auto w = weight_rows(wt, n, rows, Fill::kRandom, rng);
    const size_t rb = *row_bytes(wt, static_cast<uint64_t>(n));
    std::vector<uint8_t> packed(w.size(), 0xAB), back(rb);
    kernels::pack_rows16(wt, w.data(), rb, n, 0, 1, packed.data());
    kernels::pack_rows16(wt, w.data(), rb, n, 1, rows / 16, packed.data());
    EXPECT_NE(packed, w);
    // Hand-checked positions: row 17's block 2 scale, and its bytes 4..7 (vector 1).
    const size_t qs_bytes = wt == DType::Q8_0 ? 32 : 16, bb = qs_bytes + 2;
    const uint8_t* g1 = packed.data() + 16 * rb;
    EXPECT_EQ(0, std::memcmp(g1 + 7 * 16 * qs_bytes + (2 * 16 + 1) * 2, &w[17 * rb + 2 * bb], 2));
    EXPECT_EQ(
        0, std::memcmp(g1 + 2 * 16 * qs_bytes + (1 * 16 + 1) * 4, &w[17 * rb + 2 * bb + 2 + 4], 4));
    for (int64_t r = 0; r < rows; ++r) {
      kernels::unpack_row16(wt, packed.data(), rb, n, r, back.data());
      ASSERT_EQ(0, std::memcmp(back.data(), w.data() + r * rb, rb))
          << dtype_name(wt) << " row " << r;
    }
  }
}

TEST_P(Kernels, PackedGemmMatchesRowLayout) {
  REQUIRE_ISA();
  std::mt19937 rng(7);
  int kernels_tested = 0;
  for (DType wt : {DType::Q8_0, DType::Q4_0}) {
    const kernels::GemmKernel* g = k->gemm[slot(wt)];
    if (!g || !g->run_packed) continue;
    ++kernels_tested;
    for (int64_t nb : {1, 3, 19, 48}) {
      const int64_t n = nb * 32;
      for (int64_t rows : {16, 64, 112})
        for (int n_tok : {1, 2, 4, 7, 9, 17}) {
          for (Fill f : {Fill::kRandom, Fill::kExtreme}) {
            const auto w = weight_rows(wt, n, rows, f, rng);
            const auto x = activations(n * n_tok, f, rng);
            const size_t rb = *row_bytes(wt, static_cast<uint64_t>(n));
            std::vector<float> y;
            ASSERT_NO_FATAL_FAILURE(check_packed_gemm_bits(*g, wt, w, x, n, rows, n_tok, &y));
            const DType at = act_type(wt);
            std::vector<uint8_t> xa(*row_bytes(at, static_cast<uint64_t>(n)));
            for (int t = 0; t < n_tok; ++t) {
              scalar_table().convert[slot(at)](x.data() + t * n, xa.data(), n);
              for (int64_t r = 0; r < rows; ++r) {
                const uint8_t* wr = w.data() + r * rb;
                const float want = scalar_table().vec_dot[slot(wt)](wr, xa.data(), n);
                const double mag = magnitude(wt, wr, at, xa.data(), n);
                ASSERT_NEAR(y[t * rows + r], want, 1e-5 * mag + 1e-30)
                    << dtype_name(wt) << " nb=" << nb << " tok " << t << " row " << r;
              }
            }
          }
        }
    }
  }
  if (GetParam() != Isa::kScalar) {
    EXPECT_EQ(kernels_tested, 2) << "q8_0 and q4_0 read the R16 layout on every SIMD ISA";
  }
}

// The gemm kernels of every SIMD ISA do the same operations per (row, token): Q8_0 / Q4_0 the
// same exact block sums and float steps (acc = fma(float(isum), d_w * d_x, acc) in block order),
// F32 / F16 / BF16 one fma chain in element order. Same bits on avx2, avxvnni and avx512, so
// forcing an ISA never changes these products.
TEST(KernelTable, GemmsAreBitIdenticalAcrossIsas) {
  std::mt19937 rng(13);
  for (DType wt : {DType::Q8_0, DType::Q4_0, DType::F32, DType::F16, DType::BF16}) {
    const int64_t n = 19 * 32, rows = 48;
    const int n_tok = 6;
    for (Fill f : {Fill::kRandom, Fill::kExtreme}) {
      const auto w = weight_rows(wt, n, rows, f, rng);
      const auto x = activations(n * n_tok, f, rng);
      const size_t rb = *row_bytes(wt, static_cast<uint64_t>(n));
      std::vector<float> first;
      Isa first_isa = Isa::kScalar;
      for (Isa isa : {Isa::kAvx2, Isa::kAvxVnni, Isa::kAvx512, Isa::kNeon, Isa::kNeonDotprod,
                      Isa::kNeonI8mm}) {
        const KernelTable* k = kernels::kernels_for(isa);
        const kernels::GemmKernel* g = k ? k->gemm[slot(wt)] : nullptr;
        if (!g) continue;
        const size_t stride = g->prepared_bytes(n);
        std::vector<uint8_t> prepared(stride * n_tok);
        for (int t = 0; t < n_tok; ++t)
          g->prepare(x.data() + t * n, prepared.data() + t * stride, n);
        std::vector<float> y(static_cast<size_t>(rows * n_tok), NAN);
        g->run(w.data(), rb, 0, rows, prepared.data(), n_tok, n, y.data(), rows);
        if (first.empty()) {
          first = y;
          first_isa = isa;
        } else {
          EXPECT_EQ(0, std::memcmp(first.data(), y.data(), y.size() * sizeof(float)))
              << dtype_name(wt) << ": " << isa_name(isa) << " vs " << isa_name(first_isa);
        }
      }
    }
  }
}

TEST_P(Kernels, AttentionPrimitivesMatchScalar) {
  REQUIRE_ISA();
  const auto& a = k->attention;
  const auto& ref = scalar_table().attention;
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int64_t n : {1, 7, 8, 15, 16, 33, 64, 128, 129}) {
    std::vector<float> x(n), y(n);
    std::vector<uint16_t> h(n), acc(n);
    for (int64_t i = 0; i < n; ++i) {
      x[i] = normal(rng);
      y[i] = normal(rng);
      h[i] = fp32_to_fp16(normal(rng));
      acc[i] = fp32_to_fp16(normal(rng) * 10.0f);
    }
    double mag = 0;
    for (int64_t i = 0; i < n; ++i) mag += std::fabs(x[i] * fp16_to_fp32(h[i]));
    EXPECT_NEAR(a.dot_f32_f16(x.data(), h.data(), n), ref.dot_f32_f16(x.data(), h.data(), n),
                1e-5 * mag)
        << n;
    // Per-element operations are the same as scalar: bit-identical.
    std::vector<float> y1 = y, y2 = y;
    a.axpy_f16(0.37f, h.data(), y1.data(), n);
    ref.axpy_f16(0.37f, h.data(), y2.data(), n);
    EXPECT_EQ(y1, y2) << n;
    std::vector<uint16_t> a1 = acc, a2 = acc;
    a.scale_f16(a1.data(), 0.61f, n);
    ref.scale_f16(a2.data(), 0.61f, n);
    EXPECT_EQ(a1, a2) << n;
    // Fused (SIMD) or not (scalar) multiply-add: within one F16 rounding step.
    a1 = acc;
    a2 = acc;
    a.axpy_f16_f16(0.83f, h.data(), a1.data(), n);
    ref.axpy_f16_f16(0.83f, h.data(), a2.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      const float want = fp16_to_fp32(a2[i]);
      EXPECT_NEAR(fp16_to_fp32(a1[i]), want, std::fabs(want) * 1e-3f + 1e-7f) << n << " " << i;
    }
  }
}

// One block of query rows against one KV tile: the scalar block kernels do per (row, cell) what
// the one-row primitives do (dot_f32_f16, axpy_f16), and every ISA's block kernels match them
// bit for bit (rows are vector lanes; each keeps one fma chain in index order).
TEST_P(Kernels, AttentionBlockKernelsMatchTheRowPrimitives) {
  REQUIRE_ISA();
  const auto& a = k->attention;
  const auto& ref = scalar_table().attention;
  ASSERT_TRUE(a.block_scores && a.block_accumulate);
  std::mt19937 rng(9);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  // 80, 40: chunks of 64 (AVX-512) and 32 (AVX2) dimensions with a tail; 160: two full ones.
  for (int hd : {64, 128, 80, 40, 160}) {
    const int stride = 3 * hd;
    for (int n : {1, 5, 21, 64}) {  // 5, 21: cells past the last group of 4
      for (int n_rows : {16, 48, 112}) {
        std::vector<float> qt(static_cast<size_t>(hd) * n_rows),
            acc(static_cast<size_t>(n_rows) * hd);
        std::vector<float> ms(n_rows);
        std::vector<int> n_cells(n_rows);
        std::vector<uint16_t> kv(static_cast<size_t>(n) * stride);
        for (auto& v : qt) v = normal(rng);
        for (auto& v : acc) v = normal(rng);
        for (auto& v : kv) v = fp32_to_fp16(normal(rng));
        for (int r = 0; r < n_rows; ++r) {
          ms[r] = 0.5f + 0.01f * r;
          // Causal shapes: all cells, none (padding rows), and spans ending inside the tile.
          n_cells[r] = r % 7 == 0 ? 0 : r % 3 == 0 ? n : std::min(n, 1 + (r * 5) % n);
        }
        std::vector<float> st(static_cast<size_t>(n) * n_rows), want(st.size());
        a.block_scores(qt.data(), n_rows, kv.data(), stride, n, hd, 0.125f, st.data());
        std::vector<float> q(hd);
        for (int r = 0; r < n_rows; ++r) {
          for (int i = 0; i < hd; ++i) q[i] = qt[static_cast<size_t>(i) * n_rows + r];
          for (int j = 0; j < n; ++j)
            want[static_cast<size_t>(j) * n_rows + r] =
                ref.dot_f32_f16(q.data(), kv.data() + j * stride, hd) * 0.125f;
        }
        EXPECT_EQ(st, want) << "scores hd " << hd << " n " << n << " rows " << n_rows;

        std::vector<float> got = acc, expect = acc;
        a.block_accumulate(want.data(), n_rows, kv.data(), stride, n, hd, ms.data(), n_cells.data(),
                           got.data());
        for (int r = 0; r < n_rows; ++r) {
          float* e = &expect[static_cast<size_t>(r) * hd];
          for (int i = 0; i < hd; ++i) e[i] *= ms[r];
          for (int j = 0; j < n_cells[r]; ++j)
            ref.axpy_f16(want[static_cast<size_t>(j) * n_rows + r], kv.data() + j * stride, e, hd);
        }
        EXPECT_EQ(got, expect) << "accumulate hd " << hd << " n " << n << " rows " << n_rows;
      }
    }
  }
}

// The optional softmax step of a block against the one-row algorithm, row by row: the max of the
// visible scores, ms = exp(M - M_new), the weights through the table's exp, the tile sum in
// double over four chains (the cells past the last multiple of 4 on chain 0). Bit-identical.
TEST_P(Kernels, AttentionBlockSoftmaxMatchesTheRowAlgorithm) {
  REQUIRE_ISA();
  const auto& a = k->attention;
  if (!a.block_softmax) GTEST_SKIP() << isa_name(GetParam()) << " runs forward.cpp's loops";
  std::mt19937 rng(21);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  for (int n : {1, 6, 37, 64}) {
    for (int n_rows : {16, 48}) {
      std::vector<float> st(static_cast<size_t>(n) * n_rows), M(n_rows), ms(n_rows, -1.0f);
      std::vector<double> S(n_rows);
      std::vector<int> n_cells(n_rows);
      for (auto& v : st) v = normal(rng);
      for (int r = 0; r < n_rows; ++r) {
        n_cells[r] = r % 5 == 0 ? 0 : r % 2 ? n : 1 + (r * 7) % n;
        M[r] = r % 3 == 0 ? -INFINITY : normal(rng);  // the first tile, or a running max
        S[r] = r % 3 == 0 ? 0.0 : 1.0 + r;
      }
      std::vector<float> st_want = st, M_want = M, ms_want(n_rows);
      std::vector<double> S_want = S;
      for (int r = 0; r < n_rows; ++r) {
        const int nr = n_cells[r];
        std::vector<float> x(n, 0.0f);
        for (int j = 0; j < nr; ++j) x[j] = st[static_cast<size_t>(j) * n_rows + r];
        ms_want[r] = 1.0f;
        if (nr > 0) {
          float mx = -INFINITY;
          for (int j = 0; j < nr; ++j) mx = std::max(mx, x[j]);
          const float M_new = std::max(M[r], mx);
          ms_want[r] = std::exp(M[r] - M_new);
          M_want[r] = M_new;
          for (int j = 0; j < nr; ++j) x[j] -= M_new;
          k->exp_f32(x.data(), x.data(), nr);
          double d[4] = {0, 0, 0, 0};
          for (int j = 0; j < nr; ++j) d[j < (nr & ~3) ? j & 3 : 0] += x[j];
          S_want[r] = S[r] * ms_want[r] + ((d[0] + d[1]) + (d[2] + d[3]));
        }
        for (int j = 0; j < n; ++j) st_want[static_cast<size_t>(j) * n_rows + r] = x[j];
      }
      a.block_softmax(st.data(), n_rows, n, n_cells.data(), M.data(), S.data(), ms.data());
      EXPECT_EQ(st, st_want) << n << " " << n_rows;
      EXPECT_EQ(M, M_want) << n << " " << n_rows;
      EXPECT_EQ(S, S_want) << n << " " << n_rows;
      EXPECT_EQ(ms, ms_want) << n << " " << n_rows;
    }
  }
}

// A cell past a row's span is never read for that row: an infinite V there (an F16 overflow)
// must not turn the row into NaN through 0 * inf.
TEST_P(Kernels, AttentionBlockAccumulateSkipsInvisibleCells) {
  REQUIRE_ISA();
  const auto& a = k->attention;
  const int hd = 64, n_rows = 16, n = 8;
  std::vector<uint16_t> V(static_cast<size_t>(n) * hd, fp32_to_fp16(1.0f));
  for (int i = 0; i < hd; ++i) V[static_cast<size_t>(n - 1) * hd + i] = 0x7C00;  // +inf
  std::vector<float> p(static_cast<size_t>(n) * n_rows, 0.5f), ms(n_rows, 1.0f);
  std::vector<float> acc(static_cast<size_t>(n_rows) * hd, 0.0f);
  std::vector<int> n_cells(n_rows);
  for (int r = 0; r < n_rows; ++r) n_cells[r] = r % 2 ? n - 1 : n;  // odd rows: not the last
  a.block_accumulate(p.data(), n_rows, V.data(), hd, n, hd, ms.data(), n_cells.data(), acc.data());
  for (int r = 0; r < n_rows; ++r)
    for (int i = 0; i < hd; ++i) {
      const float v = acc[static_cast<size_t>(r) * hd + i];
      if (r % 2)
        EXPECT_EQ(v, 0.5f * (n - 1)) << r << " " << i;
      else
        EXPECT_TRUE(std::isinf(v)) << r << " " << i;
    }
}

// The one-row algorithm in registers, for 1..7 query rows sharing K/V (interleaved in groups),
// against the same table's primitives (vec_dot[F16], exp_f32, scale_f16, axpy_f16_f16) through
// memory, row by row.
TEST_P(Kernels, AttentionRowsMatchThePrimitiveLoop) {
  REQUIRE_ISA();
  const auto& a = k->attention;
  if (!a.attend_rows_f16acc) GTEST_SKIP() << isa_name(GetParam()) << " loops over the primitives";
  std::mt19937 rng(13);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int hd : {64, 128}) {
    const int stride = 2 * hd;
    for (int n_kv : {1, 3, 40, 300}) {
      for (int n_rows : {1, 2, 3, 4, 5, 7}) {
        std::vector<float> q(static_cast<size_t>(n_rows) * hd);
        std::vector<uint16_t> qh(q.size()), K(static_cast<size_t>(n_kv) * stride),
            V(static_cast<size_t>(n_kv) * stride);
        for (auto& v : q) v = normal(rng) * 2.0f;
        for (auto& v : K) v = fp32_to_fp16(normal(rng));
        for (auto& v : V) v = fp32_to_fp16(normal(rng));
        k->convert[slot(DType::F16)](q.data(), qh.data(), static_cast<int64_t>(q.size()));
        const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
        std::vector<float> got(q.size()), want(q.size());
        const uint16_t *kb = K.data(), *vb = V.data();  // one block: a contiguous cache
        const kernels::KvBlocks kv{&kb, &vb, n_kv, stride, 0};
        ASSERT_TRUE(a.attend_rows_f16acc(qh.data(), n_rows, kv, n_kv, hd, scale, got.data()));
        for (int r = 0; r < n_rows; ++r) {
          const uint16_t* qr = qh.data() + static_cast<size_t>(r) * hd;
          std::vector<uint16_t> acc(hd, 0);
          float M = -INFINITY, S = 0;
          for (int j = 0; j < n_kv; ++j) {
            const float sv = k->vec_dot[slot(DType::F16)](qr, K.data() + j * stride, hd) * scale;
            float ms = 1.0f, vs = 1.0f;
            if (sv > M) {
              const float arg = M - sv;
              k->exp_f32(&arg, &ms, 1);
              M = sv;
              a.scale_f16(acc.data(), ms, hd);
            } else {
              const float arg = sv - M;
              k->exp_f32(&arg, &vs, 1);
            }
            a.axpy_f16_f16(vs, V.data() + j * stride, acc.data(), hd);
            S = S * ms + vs;
          }
          for (int i = 0; i < hd; ++i)
            want[static_cast<size_t>(r) * hd + i] = fp16_to_fp32(acc[i]) / S;
        }
        EXPECT_EQ(got, want) << "hd " << hd << " n_kv " << n_kv << " rows " << n_rows;
      }
    }
  }
}

// Distance in units in the last place between two non-negative floats (their bit patterns are
// ordered like the values).
int64_t ulps_apart(float a, float b) {
  int32_t ia, ib;
  std::memcpy(&ia, &a, 4);
  std::memcpy(&ib, &b, 4);
  return ia > ib ? int64_t{ia} - ib : int64_t{ib} - ia;
}

// exp_f32 against exp computed in double and rounded once (independent of the C library's
// expf): within 1 ulp over the whole finite range, subnormal results included, with the
// special values right and no write past n.
TEST_P(Kernels, ExpIsWithinOneUlp) {
  REQUIRE_ISA();
  std::vector<float> x;
  for (double v = -104.5; v <= 89.5; v += 0.00137) x.push_back(static_cast<float>(v));
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> small(-1.0f, 1.0f);
  for (int i = 0; i < 20000; ++i) x.push_back(small(rng) * 1e-3f);
  std::vector<float> y(x.size());
  k->exp_f32(x.data(), y.data(), static_cast<int64_t>(x.size()));
  int64_t worst = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const float want = static_cast<float>(std::exp(static_cast<double>(x[i])));
    const int64_t d = ulps_apart(y[i], want);
    worst = std::max(worst, d);
    ASSERT_LE(d, 1) << isa_name(GetParam()) << " x=" << x[i] << " got " << y[i] << " want " << want;
  }
  std::printf("exp_f32 %s: worst %lld ulp over %zu values\n", isa_name(GetParam()),
              static_cast<long long>(worst), x.size());

  const float inf = std::numeric_limits<float>::infinity();
  const float special[] = {0.0f, -0.0f, -inf, inf, 200.0f, -200.0f, 88.7f, -87.0f, -100.0f};
  for (int n = 1; n <= 37; ++n) {  // every tail length; sentinels after n
    std::vector<float> in(n + 8), out(n + 8, 12345.0f);
    for (int i = 0; i < n; ++i) in[i] = special[i % 9];
    in[n - 1] = std::numeric_limits<float>::quiet_NaN();
    k->exp_f32(in.data(), out.data(), n);
    for (int i = 0; i + 1 < n; ++i)
      EXPECT_LE(ulps_apart(out[i], static_cast<float>(std::exp(double{in[i]}))), 1)
          << isa_name(GetParam()) << " x=" << in[i] << " got " << out[i];
    EXPECT_TRUE(std::isnan(out[n - 1])) << n;
    for (int i = n; i < n + 8; ++i) EXPECT_EQ(out[i], 12345.0f) << "write past n=" << n;
  }
  std::vector<float> inplace = {-1.0f, 0.5f, 2.0f};
  k->exp_f32(inplace.data(), inplace.data(), 3);
  EXPECT_LE(ulps_apart(inplace[2], static_cast<float>(std::exp(2.0))), 1);
}

TEST(KernelTable, ActiveTableFollowsActiveIsa) {
  EXPECT_EQ(kernels::active_kernels().isa, active_isa());
  EXPECT_NE(kernels::kernels_for(Isa::kScalar), nullptr);
  const bool has_avx512 = best_supported_isa() == Isa::kAvx512;
  EXPECT_EQ(kernels::kernels_for(Isa::kAvx512) != nullptr, has_avx512);
  // AVX-512 VNNI does not imply AVX-VNNI (Ice Lake, Zen 4): that table follows its own bit.
  const auto& f = cpu_features();
  const bool has_avxvnni = f.avx2 && f.fma && f.f16c && f.avx_vnni;
  EXPECT_EQ(isa_supported(Isa::kAvxVnni), has_avxvnni);
  EXPECT_EQ(kernels::kernels_for(Isa::kAvxVnni) != nullptr, has_avxvnni);
  // NEON levels: each implies the ones below it (HWCAP), and no x86 level runs on ARM.
  if (isa_supported(Isa::kNeonI8mm)) {
    EXPECT_TRUE(isa_supported(Isa::kNeonDotprod));
  }
  if (isa_supported(Isa::kNeonDotprod)) {
    EXPECT_TRUE(isa_supported(Isa::kNeon));
  }
  if (isa_supported(Isa::kNeon)) {
    EXPECT_EQ(kernels::kernels_for(Isa::kAvx2), nullptr);
  }
  EXPECT_EQ(kernels::kernels_for(Isa::kNeonI8mm) != nullptr, f.neon && f.dotprod && f.i8mm);
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvxVnni, Isa::kAvx512, Isa::kNeon,
                  Isa::kNeonDotprod, Isa::kNeonI8mm}) {
    if (const KernelTable* t = kernels::kernels_for(isa)) {
      EXPECT_EQ(t->isa, isa);
    }
  }
  EXPECT_NE(system_info().find(kernels::active_kernels().summary), std::string::npos);
}

// The levels of the architecture this build is for (the others have no kernels in it, so they
// would only add skips): x86-64 here, AArch64 under qemu (scripts/test-arm64.sh).
#if defined(__aarch64__)
INSTANTIATE_TEST_SUITE_P(Isas, Kernels,
                         ::testing::Values(Isa::kScalar, Isa::kNeon, Isa::kNeonDotprod,
                                           Isa::kNeonI8mm),
                         [](const auto& info) { return test::isa_param_name(info.param); });
#else
INSTANTIATE_TEST_SUITE_P(Isas, Kernels,
                         ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvxVnni, Isa::kAvx512),
                         [](const auto& info) { return test::isa_param_name(info.param); });
#endif

}  // namespace
}  // namespace hearth

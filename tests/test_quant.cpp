// Reference (de)quantization: fp16/bf16 bit patterns, hand-built blocks of every type decoded by
// an independent element-by-element formula, and round-trip error bounds on random data.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "hearth/error.hpp"
#include "hearth/quant.hpp"

using namespace hearth;

namespace {

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

TEST(QuantFp16, KnownBitPatterns) {
  EXPECT_EQ(fp32_to_fp16(0.f), 0x0000);
  EXPECT_EQ(fp32_to_fp16(-0.f), 0x8000);
  EXPECT_EQ(fp32_to_fp16(1.f), 0x3C00);
  EXPECT_EQ(fp32_to_fp16(-2.f), 0xC000);
  EXPECT_EQ(fp32_to_fp16(0.1f), 0x2E66);
  EXPECT_EQ(fp32_to_fp16(65504.f), 0x7BFF);
  EXPECT_EQ(fp32_to_fp16(65519.f), 0x7BFF);
  EXPECT_EQ(fp32_to_fp16(65520.f), 0x7C00);  // the tie rounds to even = infinity
  EXPECT_EQ(fp32_to_fp16(INFINITY), 0x7C00);
  EXPECT_EQ(fp32_to_fp16(-INFINITY), 0xFC00);
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1.f, -14)), 0x0400);  // smallest normal
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1.f, -24)), 0x0001);  // smallest subnormal
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1.f, -25)), 0x0000);  // tie to even: 0
  EXPECT_EQ(fp32_to_fp16(std::ldexp(3.f, -25)), 0x0002);  // 1.5 ulp: tie to even: 2
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1.f, -25) * 1.0001f), 0x0001);
  EXPECT_EQ(fp32_to_fp16(1.f + std::ldexp(1.f, -11)), 0x3C00);      // tie, even below
  EXPECT_EQ(fp32_to_fp16(1.f + 3 * std::ldexp(1.f, -11)), 0x3C02);  // tie, even above
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1023.5f, -24)), 0x0400);  // subnormal rounding into normal
  const fp16_t nan = fp32_to_fp16(NAN);
  EXPECT_EQ(nan & 0x7C00, 0x7C00);
  EXPECT_NE(nan & 0x03FF, 0);

  EXPECT_EQ(fp16_to_fp32(0x3C00), 1.f);
  EXPECT_EQ(fp16_to_fp32(0x7BFF), 65504.f);
  EXPECT_EQ(fp16_to_fp32(0x0001), std::ldexp(1.f, -24));
  EXPECT_EQ(fp16_to_fp32(0x03FF), std::ldexp(1023.f, -24));
  EXPECT_EQ(bits(fp16_to_fp32(0x8000)), 0x80000000u);
  EXPECT_TRUE(std::isinf(fp16_to_fp32(0xFC00)) && fp16_to_fp32(0xFC00) < 0);
  EXPECT_TRUE(std::isnan(fp16_to_fp32(0x7E00)));
}

// Every half value decodes to sign * m * 2^e computed with ldexp, and encodes back to itself.
TEST(QuantFp16, AllHalfValuesRoundTrip) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const int exp = (h >> 10) & 0x1F;
    const int mant = h & 0x3FF;
    const float sign = (h & 0x8000) ? -1.f : 1.f;
    if (exp == 0x1F) {
      EXPECT_TRUE(mant ? std::isnan(fp16_to_fp32(h)) : std::isinf(fp16_to_fp32(h)));
      continue;
    }
    const float expect = exp == 0 ? sign * std::ldexp(static_cast<float>(mant), -24)
                                  : sign * std::ldexp(static_cast<float>(1024 + mant), exp - 25);
    ASSERT_EQ(bits(fp16_to_fp32(static_cast<fp16_t>(h))), bits(expect)) << std::hex << h;
    ASSERT_EQ(fp32_to_fp16(expect), h) << std::hex << h;
  }
}

// Random floats: the result is the nearest half (checked in double), ties to the even one.
TEST(QuantFp16, RandomFloatsRoundToNearestEven) {
  std::mt19937 rng(7);
  for (int i = 0; i < 200000; ++i) {
    const float f = from_bits(rng());
    if (std::isnan(f)) continue;
    const fp16_t h = fp32_to_fp16(f);
    const double got = fp16_to_fp32(h);
    if (std::fabs(static_cast<double>(f)) >= 65520.0) {
      ASSERT_TRUE(std::isinf(got)) << f;
      continue;
    }
    // Neighbours of h (same sign) must not be closer.
    const double err = std::fabs(got - f);
    for (int delta : {-1, 1}) {
      const int nb = (h & 0x7FFF) + delta;
      if (nb < 0 || nb > 0x7BFF) continue;
      const double other = fp16_to_fp32(static_cast<fp16_t>((h & 0x8000) | nb));
      const double other_err = std::fabs(other - f);
      ASSERT_TRUE(err < other_err || (err == other_err && (h & 1) == 0)) << f;
    }
  }
}

TEST(QuantBf16, RoundsToNearestEven) {
  EXPECT_EQ(fp32_to_bf16(1.f), 0x3F80);
  EXPECT_EQ(fp32_to_bf16(from_bits(0x3F808000)), 0x3F80);  // tie, even below
  EXPECT_EQ(fp32_to_bf16(from_bits(0x3F818000)), 0x3F82);  // tie, even above
  EXPECT_EQ(fp32_to_bf16(from_bits(0x3F808001)), 0x3F81);
  EXPECT_EQ(fp32_to_bf16(-INFINITY), 0xFF80);
  const bf16_t nan = fp32_to_bf16(from_bits(0x7F800001));  // signalling NaN stays NaN
  EXPECT_TRUE(std::isnan(bf16_to_fp32(nan)));
  EXPECT_EQ(bf16_to_fp32(0x4049), from_bits(0x40490000));
}

// ---------------------------------------------------------------- hand-built blocks
// Each decoder below reads element e straight from the format description (ggml-common.h),
// independently of the loop structure of dequantize_row.

std::vector<float> decode(DType type, const void* blocks, size_t n) {
  std::vector<float> out(n);
  dequantize_row(type, blocks, out.data(), n);
  return out;
}

TEST(QuantBlocks, Q8_0HandComputed) {
  BlockQ8_0 b[2];
  b[0].d = fp32_to_fp16(0.5f);
  b[1].d = fp32_to_fp16(-0.25f);
  for (int j = 0; j < 32; ++j) {
    b[0].qs[j] = static_cast<int8_t>(j - 16);
    b[1].qs[j] = static_cast<int8_t>(j % 2 ? 127 : -128);
  }
  const auto y = decode(DType::Q8_0, b, 64);
  EXPECT_EQ(y[0], -8.f);
  EXPECT_EQ(y[31], 7.5f);
  EXPECT_EQ(y[32], 32.f);
  EXPECT_EQ(y[33], -31.75f);
}

TEST(QuantBlocks, Q4_0AndQ4_1HandComputed) {
  BlockQ4_0 a;
  a.d = fp32_to_fp16(2.f);
  for (int j = 0; j < 16; ++j) a.qs[j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  const auto y = decode(DType::Q4_0, &a, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], 2.f * (j - 8));            // low nibble: elements 0..15
    EXPECT_EQ(y[16 + j], 2.f * (15 - j - 8));  // high nibble: elements 16..31
  }
  BlockQ4_1 b;
  b.d = fp32_to_fp16(0.5f);
  b.m = fp32_to_fp16(-1.f);
  for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>(0xF0 | (j & 0xF));
  const auto z = decode(DType::Q4_1, &b, 32);
  EXPECT_EQ(z[3], 0.5f * 3 - 1.f);
  EXPECT_EQ(z[20], 0.5f * 15 - 1.f);
}

TEST(QuantBlocks, Q5_0AndQ5_1HandComputed) {
  BlockQ5_0 a;
  a.d = fp32_to_fp16(1.f);
  std::memset(a.qs, 0, sizeof(a.qs));
  const uint32_t qh = (1u << 3) | (1u << 20);  // fifth bit of element 3 and element 20
  std::memcpy(a.qh, &qh, 4);
  a.qs[3] = 0x05;  // element 3 = 16 + 5 -> 5;  element 19 = 0 -> -16
  a.qs[4] = 0x70;  // element 20 = 16 + 7 -> 7; element 4 = 0 -> -16
  const auto y = decode(DType::Q5_0, &a, 32);
  EXPECT_EQ(y[3], 5.f);
  EXPECT_EQ(y[19], -16.f);
  EXPECT_EQ(y[20], 7.f);
  EXPECT_EQ(y[4], -16.f);
  BlockQ5_1 b;
  b.d = fp32_to_fp16(0.25f);
  b.m = fp32_to_fp16(1.f);
  std::memset(b.qs, 0xFF, sizeof(b.qs));
  std::memset(b.qh, 0xFF, sizeof(b.qh));
  const auto z = decode(DType::Q5_1, &b, 32);
  for (float v : z) EXPECT_EQ(v, 0.25f * 31 + 1.f);
}

// Random bytes with finite fp16 scales, decoded element by element from the format.
class QuantRandomBlocks : public ::testing::Test {
 protected:
  std::mt19937 rng{42};
  template <typename B>
  std::vector<B> random(size_t nb) {
    std::vector<B> v(nb);
    auto* p = reinterpret_cast<uint8_t*>(v.data());
    for (size_t i = 0; i < nb * sizeof(B); ++i) p[i] = static_cast<uint8_t>(rng());
    return v;
  }
  fp16_t scale() { return fp32_to_fp16(std::uniform_real_distribution<float>(-0.1f, 0.1f)(rng)); }
};

TEST_F(QuantRandomBlocks, Q2_K) {
  auto b = random<BlockQ2_K>(3);
  for (auto& x : b) x.d = scale(), x.dmin = scale();
  const auto y = decode(DType::Q2_K, b.data(), 3 * 256);
  for (size_t e = 0; e < y.size(); ++e) {
    const BlockQ2_K& x = b[e / 256];
    const int i = e % 256, half = i / 128, r = i % 128, k = r / 32, l = r % 32;
    const int q = (x.qs[32 * half + l] >> (2 * k)) & 3;
    const uint8_t sc = x.scales[i / 16];
    const float expect = fp16_to_fp32(x.d) * (sc & 0xF) * q - fp16_to_fp32(x.dmin) * (sc >> 4);
    ASSERT_NEAR(y[e], expect, 1e-6f) << e;
  }
}

// Q3_K's 16 signed 6-bit scales: the packing as ggml documents it (low 4 bits of scales 0..7 in
// the low nibbles of bytes 0..7, of 8..15 in their high nibbles; the top 2 bits of scale s in
// byte 8 + s % 4 at bit 2 * (s / 4)).
int q3k_scale(const uint8_t* s, int idx) {
  const int low = idx < 8 ? (s[idx] & 0xF) : (s[idx - 8] >> 4);
  return (low | (((s[8 + idx % 4] >> (2 * (idx / 4))) & 3) << 4)) - 32;
}

TEST_F(QuantRandomBlocks, Q3_K) {
  auto b = random<BlockQ3_K>(3);
  for (auto& x : b) x.d = scale();
  const auto y = decode(DType::Q3_K, b.data(), 3 * 256);
  for (size_t e = 0; e < y.size(); ++e) {
    const BlockQ3_K& x = b[e / 256];
    const int i = e % 256, half = i / 128, r = i % 128, k = r / 32, l = r % 32;
    const int low = (x.qs[32 * half + l] >> (2 * k)) & 3;
    const bool high = (x.hmask[l] >> (4 * half + k)) & 1;
    const float expect = fp16_to_fp32(x.d) * q3k_scale(x.scales, i / 16) * (low - (high ? 0 : 4));
    ASSERT_NEAR(y[e], expect, 1e-6f) << e;
  }
  // One literal case: scale byte layout. Scale 13 = (byte 5 high nibble) | (byte 9 bits 6-7).
  BlockQ3_K z{};
  z.d = fp32_to_fp16(1.f);
  z.scales[5] = 0x70;              // low bits of scale 13 = 7
  z.scales[9] = 0x80;              // high bits of scale 13 = 2 -> 39 - 32 = 7
  std::memset(z.hmask, 0xFF, 32);  // no -4 offset
  std::memset(z.qs, 0xFF, 64);     // every 2-bit quant = 3
  const auto w = decode(DType::Q3_K, &z, 256);
  EXPECT_EQ(w[13 * 16], 21.f);  // 1 * 7 * 3
  EXPECT_EQ(w[0], -96.f);       // scale 0 = 0 - 32, times 3
}

TEST_F(QuantRandomBlocks, Q4_KAndQ5_K) {
  auto b = random<BlockQ4_K>(3);
  for (auto& x : b) x.d = scale(), x.dmin = scale();
  const auto y = decode(DType::Q4_K, b.data(), 3 * 256);
  auto scale_min = [](const uint8_t* s, int j, int* sc, int* m) {
    if (j < 4) {
      *sc = s[j] & 63, *m = s[j + 4] & 63;
    } else {
      *sc = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
      *m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
  };
  for (size_t e = 0; e < y.size(); ++e) {
    const BlockQ4_K& x = b[e / 256];
    const int i = e % 256, sub = i / 32, chunk = i / 64, l = i % 32;
    const int q = (x.qs[32 * chunk + l] >> (sub % 2 ? 4 : 0)) & 0xF;
    int sc, m;
    scale_min(x.scales, sub, &sc, &m);
    const float expect = fp16_to_fp32(x.d) * sc * q - fp16_to_fp32(x.dmin) * m;
    ASSERT_NEAR(y[e], expect, 1e-5f) << e;
  }
  auto c = random<BlockQ5_K>(3);
  for (auto& x : c) x.d = scale(), x.dmin = scale();
  const auto z = decode(DType::Q5_K, c.data(), 3 * 256);
  for (size_t e = 0; e < z.size(); ++e) {
    const BlockQ5_K& x = c[e / 256];
    const int i = e % 256, sub = i / 32, chunk = i / 64, l = i % 32;
    const int q =
        ((x.qs[32 * chunk + l] >> (sub % 2 ? 4 : 0)) & 0xF) | (((x.qh[l] >> sub) & 1) << 4);
    int sc, m;
    scale_min(x.scales, sub, &sc, &m);
    const float expect = fp16_to_fp32(x.d) * sc * q - fp16_to_fp32(x.dmin) * m;
    ASSERT_NEAR(z[e], expect, 1e-5f) << e;
  }
}

TEST_F(QuantRandomBlocks, Q6_KAndQ8_K) {
  auto b = random<BlockQ6_K>(3);
  for (auto& x : b) x.d = scale();
  const auto y = decode(DType::Q6_K, b.data(), 3 * 256);
  for (size_t e = 0; e < y.size(); ++e) {
    const BlockQ6_K& x = b[e / 256];
    const int i = e % 256, half = i / 128, r = i % 128, k = r / 32, l = r % 32;
    const int low = (x.ql[64 * half + l + 32 * (k % 2)] >> (4 * (k / 2))) & 0xF;
    const int high = (x.qh[32 * half + l] >> (2 * k)) & 3;
    const float expect = fp16_to_fp32(x.d) * x.scales[i / 16] * ((low | (high << 4)) - 32);
    ASSERT_NEAR(y[e], expect, 1e-5f) << e;
  }
  auto c = random<BlockQ8_K>(2);
  for (auto& x : c) x.d = 0.01f;
  const auto z = decode(DType::Q8_K, c.data(), 512);
  for (size_t e = 0; e < z.size(); ++e) ASSERT_EQ(z[e], 0.01f * c[e / 256].qs[e % 256]);
}

TEST(QuantBlocks, RejectsBadSizesAndTypes) {
  float f[64] = {};
  uint8_t buf[512];
  EXPECT_THROW(dequantize_row(DType::Q4_0, buf, f, 31), Error);
  EXPECT_THROW(dequantize_row(DType::I32, buf, f, 4), Error);
  EXPECT_THROW(quantize_row(DType::Q4_K, f, buf, 64), Error);
  EXPECT_THROW(quantize_row(DType::Q8_1, f, buf, 256), Error);  // an activation type only
}

// ---------------------------------------------------------------- round trips on random data

struct RoundTrip {
  double rms;        // RMS error relative to the RMS of the data
  double max_ratio;  // max over blocks of (max |err|) / (max |x| of the block)
};

RoundTrip round_trip(DType type, const std::vector<float>& x) {
  const size_t n = x.size();
  std::vector<uint8_t> q(*row_bytes(type, n));
  quantize_row(type, x.data(), q.data(), n);
  std::vector<float> y(n);
  dequantize_row(type, q.data(), y.data(), n);
  const size_t bs = dtype_traits(type).block_elems < 32 ? 32 : dtype_traits(type).block_elems;
  double se = 0, sx = 0, worst = 0;
  for (size_t b = 0; b < n / bs; ++b) {
    double amax = 0, emax = 0;
    for (size_t i = b * bs; i < (b + 1) * bs; ++i) {
      amax = std::max(amax, static_cast<double>(std::fabs(x[i])));
      emax = std::max(emax, static_cast<double>(std::fabs(y[i] - x[i])));
      se += (y[i] - x[i]) * static_cast<double>(y[i] - x[i]);
      sx += static_cast<double>(x[i]) * x[i];
    }
    if (amax > 0) worst = std::max(worst, emax / amax);
  }
  return {std::sqrt(se / sx), worst};
}

std::vector<float> gaussian(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

// Bounds from the formats: round-to-nearest errs by half a step (step = amax / 127 for Q8_0,
// plus up to 127 * 2^-11 steps from storing d in fp16); Q4_0/Q5_0 map the signed largest value
// to -8/-16 so values near +amax clamp to 7/15, a full step; the min/scale types by half a step
// of (max - min); the K types by about one step of their sub-blocks.
TEST(QuantRoundTrip, ErrorBoundsPerType) {
  const auto x = gaussian(256 * 64, 5);
  struct Case {
    DType type;
    double max_ratio, rms;
  } cases[] = {
      {DType::Q8_0, (0.5 + 127.0 / 2048) / 127, 0.01},
      {DType::Q4_0, 1.0 / 8 * 1.01, 0.12},
      {DType::Q4_1, 0.5 * 2 / 15 * 1.01, 0.10},
      {DType::Q5_0, 1.0 / 16 * 1.01, 0.06},
      {DType::Q5_1, 0.5 * 2 / 31 * 1.01, 0.05},
      {DType::Q4_K, 0.14, 0.10},
      {DType::Q5_K, 0.07, 0.05},
      {DType::Q6_K, 0.035, 0.025},
      {DType::Q8_K, 0.5 / 127 * 1.0001, 0.01},
      {DType::F16, 1e-3, 1e-3},
      {DType::BF16, 4e-3, 4e-3},
  };
  for (const auto& c : cases) {
    const RoundTrip r = round_trip(c.type, x);
    EXPECT_LE(r.max_ratio, c.max_ratio) << dtype_name(c.type);
    EXPECT_LE(r.rms, c.rms) << dtype_name(c.type);
    EXPECT_GT(r.rms, 0.0) << dtype_name(c.type);
  }
  // More bits, less error.
  EXPECT_LT(round_trip(DType::Q6_K, x).rms, round_trip(DType::Q5_K, x).rms);
  EXPECT_LT(round_trip(DType::Q5_K, x).rms, round_trip(DType::Q4_K, x).rms);
  EXPECT_LT(round_trip(DType::Q4_K, x).rms, round_trip(DType::Q4_0, x).rms);
  EXPECT_LT(round_trip(DType::Q8_0, x).rms, round_trip(DType::Q6_K, x).rms);
  EXPECT_LT(round_trip(DType::Q4_K, x).rms, round_trip(DType::Q3_K, x).rms);
  EXPECT_LT(round_trip(DType::Q3_K, x).rms, round_trip(DType::Q2_K, x).rms);
  EXPECT_LT(round_trip(DType::Q2_K, x).rms, 0.5);  // 2 bits still keep most of the signal
}

TEST(QuantRoundTrip, ZeroAndConstantBlocksAreExactOrNearlySo) {
  const std::vector<float> zeros(512, 0.f);
  for (DType t : {DType::Q8_0, DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q2_K,
                  DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::Q8_K}) {
    std::vector<uint8_t> q(*row_bytes(t, 512));
    quantize_row(t, zeros.data(), q.data(), 512);
    std::vector<float> y(512, 1.f);
    dequantize_row(t, q.data(), y.data(), 512);
    for (float v : y) ASSERT_EQ(v, 0.f) << dtype_name(t);
  }
  const std::vector<float> twos(512, 2.f);
  for (DType t : {DType::Q8_0, DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q4_K,
                  DType::Q6_K}) {
    std::vector<uint8_t> q(*row_bytes(t, 512));
    quantize_row(t, twos.data(), q.data(), 512);
    std::vector<float> y(512);
    dequantize_row(t, q.data(), y.data(), 512);
    for (float v : y) ASSERT_NEAR(v, 2.f, 2e-2f) << dtype_name(t);
  }
}

// Q8_0 per block: |x - dq(q(x))| <= d/2 (d as stored), the stated bound of round-to-nearest.
TEST(QuantRoundTrip, Q8_0ErrorAtMostHalfAStep) {
  const auto x = gaussian(32 * 256, 11);
  std::vector<BlockQ8_0> q(256);
  quantize_row_q8_0(x.data(), q.data(), x.size());
  std::vector<float> y(x.size());
  dequantize_row(DType::Q8_0, q.data(), y.data(), x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const float d = fp16_to_fp32(q[i / 32].d);
    // d is rounded to fp16 (relative error 2^-11), which can move q * d by up to 127 * d * 2^-11.
    ASSERT_LE(std::fabs(y[i] - x[i]), d / 2 + 127 * d / 2048) << i;
  }
}

// Non-finite input is a caller bug, but must not crash or invoke undefined behaviour (the
// sanitizer build checks the latter); finite blocks next to it are unaffected.
TEST(QuantRoundTrip, NonFiniteInputIsContained) {
  auto x = gaussian(512, 3);
  x[5] = NAN;
  x[40] = INFINITY;
  x[300] = -INFINITY;
  for (DType t :
       {DType::Q8_0, DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q2_K, DType::Q3_K,
        DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::Q8_K, DType::F16, DType::BF16}) {
    std::vector<uint8_t> q(*row_bytes(t, 512));
    quantize_row(t, x.data(), q.data(), 512);
    std::vector<float> y(512);
    dequantize_row(t, q.data(), y.data(), 512);
    // Elements 64..255 share no 32-block with a non-finite value (the K types' 256-blocks do).
    if (dtype_traits(t).block_elems == 32) {
      for (int i = 64; i < 256; ++i) ASSERT_NEAR(y[i], x[i], 0.5f) << dtype_name(t);
    }
  }
}

}  // namespace

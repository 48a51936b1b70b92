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

}  // namespace

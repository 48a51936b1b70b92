// IEEE binary16 and bfloat16 conversions, done on the bit patterns so that the results do not
// depend on the compiler, the ISA or the floating-point environment.
#include <cstdint>
#include <cstring>

#include "hearth/quant.hpp"

namespace hearth {
namespace {

uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// Rounds `value >> shift` to nearest, ties to even (shift >= 1).
uint32_t shift_round_even(uint32_t value, uint32_t shift) {
  const uint32_t kept = value >> shift;
  const uint32_t rest = value & ((1u << shift) - 1);
  const uint32_t half = 1u << (shift - 1);
  return kept + ((rest > half || (rest == half && (kept & 1))) ? 1 : 0);
}

}  // namespace

// Branch-free (it sits in dot-product loops): a normal half is its bits moved into place with the
// exponent rebiased by a multiplication by 2^-112 (exact, and inf/NaN stay inf/NaN); a
// subnormal m * 2^-24 is built as the float 0.5 + m * 2^-24 minus 0.5 (exact too).
float fp16_to_fp32(fp16_t h) {
  const uint32_t w = static_cast<uint32_t>(h) << 16;
  const uint32_t sign = w & 0x80000000u;
  const uint32_t two_w = w + w;  // drops the sign
  const float normalized = bits_float((two_w >> 4) + (0xE0u << 23)) * 0x1.0p-112f;
  const float denormalized = bits_float((two_w >> 17) | (126u << 23)) - 0.5f;
  const uint32_t magnitude = two_w < (1u << 27) ? float_bits(denormalized) : float_bits(normalized);
  return bits_float(sign | magnitude);
}

fp16_t fp32_to_fp16(float f) {
  const uint32_t x = float_bits(f);
  const uint32_t sign = (x >> 16) & 0x8000;
  const uint32_t ax = x & 0x7FFFFFFF;
  if (ax > 0x7F800000)  // NaN: keep the top payload bits and force it quiet, as F16C does
    return static_cast<fp16_t>(sign | 0x7E00 | ((ax >> 13) & 0x3FF));
  if (ax >= 0x477FF000) return static_cast<fp16_t>(sign | 0x7C00);  // >= 65520 rounds to inf
  const uint32_t e = ax >> 23;
  if (e >= 113) {  // normal half: rebias the exponent; a mantissa carry correctly bumps it
    const uint32_t h = ((e - 112) << 23 | (ax & 0x7FFFFF));
    return static_cast<fp16_t>(sign | shift_round_even(h, 13));
  }
  if (e < 102) return static_cast<fp16_t>(sign);  // below half of the smallest subnormal
  // Subnormal half: value = mant * 2^(e-150) = m * 2^-24, so m = mant >> (126 - e).
  const uint32_t mant = (ax & 0x7FFFFF) | 0x800000;
  return static_cast<fp16_t>(sign | shift_round_even(mant, 126 - e));
}

bf16_t fp32_to_bf16(float f) {
  const uint32_t u = float_bits(f);
  if ((u & 0x7FFFFFFF) > 0x7F800000) return static_cast<bf16_t>((u >> 16) | 0x40);  // quiet NaN
  return static_cast<bf16_t>((u + 0x7FFF + ((u >> 16) & 1)) >> 16);
}

}  // namespace hearth

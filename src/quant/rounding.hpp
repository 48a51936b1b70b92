// Rounding helpers shared by the reference quantizers. They reproduce the exact integer results
// of ggml's reference code so that hearth writes the same bytes as llama.cpp.
#pragma once

#include <cstdint>
#include <cstring>

namespace hearth::quant {

// Nearest integer, ties to even, for |x| <= 2^22: adding 1.5 * 2^23 leaves the rounded integer
// in the low mantissa bits (the float addition does the rounding).
inline int nearest_int(float x) {
  const float shifted = x + 12582912.f;
  int32_t i;
  std::memcpy(&i, &shifted, 4);
  return (i & 0x007FFFFF) - 0x00400000;
}

// C's (int8_t)x conversion (truncation toward zero) as ggml's *_0/_1 quantizers use it, made
// total: values outside the int8 range (only from inf/NaN input) saturate instead of being UB.
inline int trunc_i8(float x) {
  if (!(x > -128.f)) return -128;
  if (!(x < 128.f)) return 127;
  return static_cast<int>(x);
}

}  // namespace hearth::quant

// Rounding helpers shared by the reference quantizers. They reproduce the exact integer results
// of ggml's reference code so that hearth writes the same bytes as llama.cpp.
#pragma once

#include <cmath>
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

// C's (int8_t)x conversion (truncation toward zero) as ggml's *_0/_1 quantizers apply it to
// level values, which are >= 0.5 for finite input. Made total: NaN and values below 0 or above
// 127 (only from inf/NaN input) saturate to 0 / 127 instead of being undefined behaviour.
inline int trunc_level(float x) {
  if (!(x > 0.f)) return 0;
  if (!(x < 128.f)) return 127;
  return static_cast<int>(x);
}

// roundf (half away from zero) to int8 as ggml's Q8_0 quantizer does; only non-finite input can
// leave the range, and it saturates (NaN gives 0) instead of being undefined behaviour.
inline int8_t round_i8(float x) {
  const float r = std::round(x);
  if (r != r) return 0;
  if (r <= -128.f) return -128;
  if (r >= 127.f) return 127;
  return static_cast<int8_t>(r);
}

}  // namespace hearth::quant

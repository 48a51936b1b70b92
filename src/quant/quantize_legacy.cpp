// Reference quantizers of the 32-element block types (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1). Each one
// reproduces the integer results of ggml's quantize_row_*_ref exactly (same float operations in
// the same order, same truncating casts), so files written by hearth match llama.cpp's bytes.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "hearth/quant.hpp"
#include "quant/rounding.hpp"

namespace hearth {
namespace {

using quant::trunc_level;

// The element of largest magnitude, with its sign (the first one on ties).
float signed_absmax(const float* x, int n) {
  float amax = 0.f, max = 0.f;
  for (int j = 0; j < n; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

// Packs 5-bit values: low nibbles as Q4 (element j low, j+16 high), fifth bits into qh.
void pack_q5(const int* q, uint8_t* qs, uint8_t* qh_bytes) {
  uint32_t qh = 0;
  for (int j = 0; j < kQK / 2; ++j) {
    qs[j] = static_cast<uint8_t>((q[j] & 0xF) | ((q[j + kQK / 2] & 0xF) << 4));
    qh |= static_cast<uint32_t>((q[j] >> 4) & 1) << j;
    qh |= static_cast<uint32_t>((q[j + kQK / 2] >> 4) & 1) << (j + kQK / 2);
  }
  for (int k = 0; k < 4; ++k) qh_bytes[k] = static_cast<uint8_t>(qh >> (8 * k));
}

}  // namespace

// x = d * q, d = amax / 127, q = round-half-away(x / d).
void quantize_row_q8_0(const float* x, BlockQ8_0* y, size_t n) {
  for (size_t i = 0; i < n / kQK; ++i, x += kQK) {
    float amax = 0.f;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.f;
    const float id = d != 0.f ? 1.f / d : 0.f;
    y[i].d = fp32_to_fp16(d);
    for (int j = 0; j < kQK; ++j) y[i].qs[j] = quant::round_i8(x[j] * id);
  }
}

// d = max / -8 where max is the signed largest-magnitude value, so that it maps exactly to -8
// (using all 16 levels); q = trunc(x / d + 8.5) clamped to 15.
void quantize_row_q4_0(const float* x, BlockQ4_0* y, size_t n) {
  for (size_t i = 0; i < n / kQK; ++i, x += kQK) {
    const float d = signed_absmax(x, kQK) / -8.f;
    const float id = d != 0.f ? 1.f / d : 0.f;
    y[i].d = fp32_to_fp16(d);
    for (int j = 0; j < kQK / 2; ++j) {
      const int q0 = std::min(15, trunc_level(x[j] * id + 8.5f));
      const int q1 = std::min(15, trunc_level(x[j + kQK / 2] * id + 8.5f));
      y[i].qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
  }
}

// x = d * q + m with m = min, d = (max - min) / 15.
void quantize_row_q4_1(const float* x, BlockQ4_1* y, size_t n) {
  for (size_t i = 0; i < n / kQK; ++i, x += kQK) {
    float min = FLT_MAX, max = -FLT_MAX;
    for (int j = 0; j < kQK; ++j) {
      min = std::min(min, x[j]);
      max = std::max(max, x[j]);
    }
    const float d = (max - min) / 15.f;
    const float id = d != 0.f ? 1.f / d : 0.f;
    y[i].d = fp32_to_fp16(d);
    y[i].m = fp32_to_fp16(min);
    for (int j = 0; j < kQK / 2; ++j) {
      const int q0 = std::min(15, trunc_level((x[j] - min) * id + 0.5f));
      const int q1 = std::min(15, trunc_level((x[j + kQK / 2] - min) * id + 0.5f));
      y[i].qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
  }
}

// As Q4_0 with 32 levels: d = max / -16.
void quantize_row_q5_0(const float* x, BlockQ5_0* y, size_t n) {
  for (size_t i = 0; i < n / kQK; ++i, x += kQK) {
    const float d = signed_absmax(x, kQK) / -16.f;
    const float id = d != 0.f ? 1.f / d : 0.f;
    y[i].d = fp32_to_fp16(d);
    int q[kQK];
    for (int j = 0; j < kQK; ++j) q[j] = std::min(31, trunc_level(x[j] * id + 16.5f));
    pack_q5(q, y[i].qs, y[i].qh);
  }
}

// As Q4_1 with 32 levels. ggml converts through uint8_t here without clamping; the value is at
// most 31.5 for finite input, so truncation gives the same result.
void quantize_row_q5_1(const float* x, BlockQ5_1* y, size_t n) {
  for (size_t i = 0; i < n / kQK; ++i, x += kQK) {
    float min = x[0], max = x[0];
    for (int j = 1; j < kQK; ++j) {
      min = std::min(min, x[j]);
      max = std::max(max, x[j]);
    }
    const float d = (max - min) / 31.f;
    const float id = d != 0.f ? 1.f / d : 0.f;
    y[i].d = fp32_to_fp16(d);
    y[i].m = fp32_to_fp16(min);
    int q[kQK];
    for (int j = 0; j < kQK; ++j) q[j] = std::clamp(trunc_level((x[j] - min) * id + 0.5f), 0, 31);
    pack_q5(q, y[i].qs, y[i].qh);
  }
}

}  // namespace hearth

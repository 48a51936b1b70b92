// Reference quantizers of the 2- and 3-bit K types, reproducing ggml's non-imatrix
// quantize_row_q2_K_ref / quantize_row_q3_K_ref bit for bit (the types of llama-quantize's Q2_K
// and Q3_K_* mixes). Both use 16 sub-blocks of 16 elements per 256-element super-block.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "hearth/quant.hpp"
#include "quant/k_search.hpp"
#include "quant/rounding.hpp"

namespace hearth {
namespace {

using quant::nearest_int;

// 2-bit levels: each 32-byte chunk of qs holds 128 elements, element 32s + l of the chunk at
// bit shift 2s of byte l.
void pack_2bit(const uint8_t* L, uint8_t* qs) {
  for (int j = 0; j < kQK_K; j += 128)
    for (int l = 0; l < 32; ++l)
      qs[j / 4 + l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) |
                                           (L[j + l + 96] << 6));
}

// Q3_K's 16 6-bit scales: low nibbles in bytes 0..7 (sub-blocks 0..7 low half, 8..15 high
// half), the 2 high bits of sub-block j in byte 8 + j % 4 at shift 2 * (j / 4).
int q3_scale(const uint8_t* s, int j) {
  const int lo = j < 8 ? s[j] & 0xF : s[j - 8] >> 4;
  return static_cast<int8_t>((lo | (((s[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32);
}

}  // namespace

// Q2_K: each sub-block gets an asymmetric 2-bit fit (scored by absolute error, weighted by |x|);
// its scale and min are quantized to 4 bits against the super-block's d and dmin, and the levels
// are recomputed against the rounded values.
void quantize_row_q2_k(const float* x, BlockQ2_K* y, size_t n) {
  constexpr float kQ4Scale = 15.f;
  uint8_t L[kQK_K], Laux[16];
  float weights[16], mins[16], scales[16];
  for (size_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
    float max_scale = 0.f, max_min = 0.f;
    for (int j = 0; j < 16; ++j) {
      for (int l = 0; l < 16; ++l) weights[l] = std::fabs(x[16 * j + l]);
      scales[j] = quant::make_qkx2_quants(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j], Laux,
                                          -0.5f, 0.1f, 15, true);
      if (scales[j] > max_scale) max_scale = scales[j];
      if (mins[j] > max_min) max_min = mins[j];
    }
    BlockQ2_K& b = y[i];
    if (max_scale > 0.f) {
      const float iscale = kQ4Scale / max_scale;
      // ggml stores the int in a uint8_t: keep the same wrap-around for odd inputs.
      for (int j = 0; j < 16; ++j)
        b.scales[j] = static_cast<uint8_t>(nearest_int(iscale * scales[j]));
      b.d = fp32_to_fp16(max_scale / kQ4Scale);
    } else {
      std::memset(b.scales, 0, sizeof(b.scales));
      b.d = fp32_to_fp16(0.f);
    }
    if (max_min > 0.f) {
      const float iscale = kQ4Scale / max_min;
      for (int j = 0; j < 16; ++j) {
        const auto l = static_cast<unsigned>(nearest_int(iscale * mins[j]));
        b.scales[j] = static_cast<uint8_t>(b.scales[j] | (l << 4));
      }
      b.dmin = fp32_to_fp16(max_min / kQ4Scale);
    } else {
      b.dmin = fp32_to_fp16(0.f);
    }
    for (int j = 0; j < 16; ++j) {
      const float d = fp16_to_fp32(b.d) * static_cast<float>(b.scales[j] & 0xF);
      if (d == 0.f) continue;  // keep the levels of the search
      const float dm = fp16_to_fp32(b.dmin) * static_cast<float>(b.scales[j] >> 4);
      for (int l = 0; l < 16; ++l) {
        const int q = nearest_int((x[16 * j + l] + dm) / d);
        L[16 * j + l] = static_cast<uint8_t>(std::max(0, std::min(3, q)));
      }
    }
    pack_2bit(L, b.qs);
  }
}

// Q3_K: each sub-block gets a symmetric 3-bit fit; the 16 scales are quantized to signed 6 bits
// against d (the signed largest scale maps to -32); levels are recomputed against the rounded
// scales. The third bit of each level goes to hmask (bit k of hmask[m] for element 32k + m).
void quantize_row_q3_k(const float* x, BlockQ3_K* y, size_t n) {
  int8_t L[kQK_K];
  float scales[16];
  for (size_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
    float max_scale = 0.f, amax = 0.f;
    for (int j = 0; j < 16; ++j) {
      scales[j] = quant::make_q3_quants(16, 4, x + 16 * j, L + 16 * j);
      const float scale = std::fabs(scales[j]);
      if (scale > amax) {
        amax = scale;
        max_scale = scales[j];
      }
    }
    BlockQ3_K& b = y[i];
    std::memset(b.scales, 0, sizeof(b.scales));
    if (max_scale != 0.f) {
      const float iscale = -32.f / max_scale;
      for (int j = 0; j < 16; ++j) {
        const auto l8 = static_cast<int8_t>(nearest_int(iscale * scales[j]));
        const int l = std::max(-32, std::min(31, static_cast<int>(l8))) + 32;
        if (j < 8)
          b.scales[j] = static_cast<uint8_t>(l & 0xF);
        else
          b.scales[j - 8] = static_cast<uint8_t>(b.scales[j - 8] | ((l & 0xF) << 4));
        b.scales[j % 4 + 8] =
            static_cast<uint8_t>(b.scales[j % 4 + 8] | ((l >> 4) << (2 * (j / 4))));
      }
      b.d = fp32_to_fp16(1.f / iscale);
    } else {
      b.d = fp32_to_fp16(0.f);
    }
    for (int j = 0; j < 16; ++j) {
      const float d = fp16_to_fp32(b.d) * static_cast<float>(q3_scale(b.scales, j));
      if (d == 0.f) continue;  // keep the levels of the search
      for (int l = 0; l < 16; ++l) {
        const int q = nearest_int(x[16 * j + l] / d);
        L[16 * j + l] = static_cast<int8_t>(std::max(-4, std::min(3, q)) + 4);
      }
    }
    std::memset(b.hmask, 0, sizeof(b.hmask));
    uint8_t low[kQK_K];
    for (int j = 0; j < kQK_K; ++j) {
      int l = L[j];
      if (l > 3) {
        b.hmask[j % 32] = static_cast<uint8_t>(b.hmask[j % 32] | (1u << (j / 32)));
        l -= 4;
      }
      low[j] = static_cast<uint8_t>(l);
    }
    pack_2bit(low, b.qs);
  }
}

}  // namespace hearth

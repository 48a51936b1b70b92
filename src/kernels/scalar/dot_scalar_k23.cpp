// Scalar dot products of Q2_K / Q3_K weight rows with Q8_K activations (the types of
// llama-quantize's Q2_K and Q3_K_* mixes), with ggml's reference arithmetic: integer sums per
// sub-block, scaled in float in the same order (Q3_K keeps ggml's 8 float lanes, summed last).
#include <cstring>

#include "hearth/quant.hpp"
#include "kernels/scalar/scalar_k23.hpp"

namespace hearth::kernels::scalar {

// Q2_K: x = d * (sc & 0xF) * q - dmin * (sc >> 4) per 16 elements; the min term uses the
// activation block sums.
float dot_q2_k(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const BlockQ2_K*>(wv);
  const auto* x = static_cast<const BlockQ8_K*>(xv);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const uint8_t* q2 = w[i].qs;
    const int8_t* q8 = x[i].qs;
    const uint8_t* sc = w[i].scales;
    int summs = 0;
    for (int j = 0; j < 16; ++j) summs += x[i].bsums[j] * (sc[j] >> 4);
    const float dall = x[i].d * fp16_to_fp32(w[i].d);
    const float dmin = x[i].d * fp16_to_fp32(w[i].dmin);
    int isum = 0, is = 0;
    for (int k = 0; k < kQK_K / 128; ++k, q2 += 32) {
      for (int shift = 0; shift < 8; shift += 2, q8 += 32) {
        for (int half = 0; half < 2; ++half) {
          int s = 0;
          for (int l = 16 * half; l < 16 * half + 16; ++l) s += q8[l] * ((q2[l] >> shift) & 3);
          isum += (sc[is++] & 0xF) * s;
        }
      }
    }
    sum += dall * static_cast<float>(isum) - dmin * static_cast<float>(summs);
  }
  return sum;
}

// Q3_K: levels (2 low bits in qs, a set hmask bit = no -4 offset) times 6-bit scales - 32.
float dot_q3_k(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const BlockQ3_K*>(wv);
  const auto* x = static_cast<const BlockQ8_K*>(xv);
  float lanes[8] = {};
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int8_t a[kQK_K];
    const uint8_t* q3 = w[i].qs;
    const uint8_t* hm = w[i].hmask;
    int bit = 0;
    for (int j = 0; j < kQK_K; j += 128, q3 += 32)
      for (int shift = 0; shift < 8; shift += 2, ++bit)
        for (int l = 0; l < 32; ++l)
          a[j + 16 * shift + l] =
              static_cast<int8_t>(((q3[l] >> shift) & 3) - ((hm[l] >> bit) & 1 ? 0 : 4));
    // The 16 scales: low nibbles in bytes 0..7, high bits in bytes 8..11.
    int scales[16];
    for (int j = 0; j < 16; ++j) {
      const int lo = j < 8 ? w[i].scales[j] & 0xF : w[i].scales[j - 8] >> 4;
      scales[j] = (lo | (((w[i].scales[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32;
    }
    int32_t acc[8] = {};
    const int8_t* q8 = x[i].qs;
    for (int j = 0; j < 16; ++j)
      for (int h = 0; h < 2; ++h)
        for (int l = 0; l < 8; ++l)
          acc[l] += scales[j] * (q8[16 * j + 8 * h + l] * a[16 * j + 8 * h + l]);
    const float d = fp16_to_fp32(w[i].d) * x[i].d;
    for (int l = 0; l < 8; ++l) lanes[l] += d * static_cast<float>(acc[l]);
  }
  float sum = 0;
  for (float v : lanes) sum += v;
  return sum;
}

}  // namespace hearth::kernels::scalar

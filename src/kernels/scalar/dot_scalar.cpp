// Scalar reference dot products between weight rows and converted activation rows, with the
// same arithmetic as ggml's reference kernels (integer sums per block, float scaling).
#include <cstring>

#include "hearth/quant.hpp"
#include "kernels/scalar/scalar_kernels.hpp"

namespace hearth::kernels::scalar {
namespace {

// Element j (0..15) takes bit j of qh as its fifth bit, element j + 16 bit j + 16.
template <typename Block>
int dot5(const Block& w, const int8_t* xq, int offset) {
  uint32_t qh;
  std::memcpy(&qh, w.qh, 4);
  int s = 0;
  for (int j = 0; j < kQK / 2; ++j) {
    const int h0 = ((qh >> j) << 4) & 0x10, h1 = (qh >> (j + 12)) & 0x10;
    s += (((w.qs[j] & 0xF) | h0) - offset) * xq[j] + (((w.qs[j] >> 4) | h1) - offset) * xq[j + 16];
  }
  return s;
}

// Q4_K / Q5_K: 4 chunks of 64; low nibbles are sub-block 2c, high nibbles 2c+1; Q5_K's qh bit
// 2c / 2c+1 of byte l is the fifth bit of element l of those sub-blocks.
template <bool kFive, typename Block>
float dot_q45_k(const Block* w, const BlockQ8_K* x, int64_t nb) {
  float sum = 0;
  for (int64_t i = 0; i < nb; ++i) {
    const uint8_t* qs = w[i].qs;
    const int8_t* q8 = x[i].qs;
    int sumi = 0, summ = 0;
    for (int c = 0; c < 4; ++c) {
      uint8_t sc0, m0, sc1, m1;
      k_scale_min(2 * c, w[i].scales, &sc0, &m0);
      k_scale_min(2 * c + 1, w[i].scales, &sc1, &m1);
      int s0 = 0, s1 = 0;
      for (int l = 0; l < 32; ++l) {
        int lo = qs[l] & 0xF, hi = qs[l] >> 4;
        if constexpr (kFive) {
          lo += ((w[i].qh[l] >> (2 * c)) & 1) << 4;
          hi += ((w[i].qh[l] >> (2 * c + 1)) & 1) << 4;
        }
        s0 += lo * q8[l];
        s1 += hi * q8[l + 32];
      }
      sumi += sc0 * s0 + sc1 * s1;
      summ += m0 * (x[i].bsums[4 * c] + x[i].bsums[4 * c + 1]) +
              m1 * (x[i].bsums[4 * c + 2] + x[i].bsums[4 * c + 3]);
      qs += 32;
      q8 += 64;
    }
    sum += fp16_to_fp32(w[i].d) * x[i].d * static_cast<float>(sumi) -
           fp16_to_fp32(w[i].dmin) * x[i].d * static_cast<float>(summ);
  }
  return sum;
}

}  // namespace

float dot_f32(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const float*>(wv);
  const auto* x = static_cast<const float*>(xv);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(w[i] * x[i]);
  return static_cast<float>(sum);
}

float dot_f16(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const fp16_t*>(wv);
  const auto* x = static_cast<const fp16_t*>(xv);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i)
    sum += static_cast<double>(fp16_to_fp32(w[i]) * fp16_to_fp32(x[i]));
  return static_cast<float>(sum);
}

float dot_bf16(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const bf16_t*>(wv);
  const auto* x = static_cast<const bf16_t*>(xv);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i)
    sum += static_cast<double>(bf16_to_fp32(w[i]) * bf16_to_fp32(x[i]));
  return static_cast<float>(sum);
}

float dot_q8_0(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const BlockQ8_0*>(wv);
  const auto* x = static_cast<const BlockQ8_0*>(xv);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    int s = 0;
    for (int j = 0; j < kQK; ++j) s += w[i].qs[j] * x[i].qs[j];
    sum += static_cast<float>(s) * (fp16_to_fp32(w[i].d) * fp16_to_fp32(x[i].d));
  }
  return sum;
}

float dot_q4_0(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const BlockQ4_0*>(wv);
  const auto* x = static_cast<const BlockQ8_0*>(xv);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    int s = 0;
    for (int j = 0; j < kQK / 2; ++j)
      s += ((w[i].qs[j] & 0xF) - 8) * x[i].qs[j] + ((w[i].qs[j] >> 4) - 8) * x[i].qs[j + 16];
    sum += static_cast<float>(s) * (fp16_to_fp32(w[i].d) * fp16_to_fp32(x[i].d));
  }
  return sum;
}

float dot_q4_1(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const BlockQ4_1*>(wv);
  const auto* x = static_cast<const BlockQ8_1*>(xv);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    int s = 0;
    for (int j = 0; j < kQK / 2; ++j)
      s += (w[i].qs[j] & 0xF) * x[i].qs[j] + (w[i].qs[j] >> 4) * x[i].qs[j + 16];
    sum += (fp16_to_fp32(w[i].d) * fp16_to_fp32(x[i].d)) * static_cast<float>(s) +
           fp16_to_fp32(w[i].m) * fp16_to_fp32(x[i].s);
  }
  return sum;
}

float dot_q5_0(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const BlockQ5_0*>(wv);
  const auto* x = static_cast<const BlockQ8_0*>(xv);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK; ++i)
    sum +=
        static_cast<float>(dot5(w[i], x[i].qs, 16)) * (fp16_to_fp32(w[i].d) * fp16_to_fp32(x[i].d));
  return sum;
}

float dot_q5_1(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const BlockQ5_1*>(wv);
  const auto* x = static_cast<const BlockQ8_1*>(xv);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK; ++i)
    sum +=
        (fp16_to_fp32(w[i].d) * fp16_to_fp32(x[i].d)) * static_cast<float>(dot5(w[i], x[i].qs, 0)) +
        fp16_to_fp32(w[i].m) * fp16_to_fp32(x[i].s);
  return sum;
}

float dot_q4_k(const void* w, const void* x, int64_t n) {
  return dot_q45_k<false>(static_cast<const BlockQ4_K*>(w), static_cast<const BlockQ8_K*>(x),
                          n / kQK_K);
}

float dot_q5_k(const void* w, const void* x, int64_t n) {
  return dot_q45_k<true>(static_cast<const BlockQ5_K*>(w), static_cast<const BlockQ8_K*>(x),
                         n / kQK_K);
}

// Q6_K: two halves of 128; in each, byte l of ql/qh gives elements l, l+32, l+64, l+96.
float dot_q6_k(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const BlockQ6_K*>(wv);
  const auto* x = static_cast<const BlockQ8_K*>(xv);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const uint8_t* ql = w[i].ql;
    const uint8_t* qh = w[i].qh;
    const int8_t* sc = w[i].scales;
    const int8_t* q8 = x[i].qs;
    int sumi = 0;
    for (int half = 0; half < 2; ++half) {
      int s[8] = {0};
      for (int l = 0; l < 32; ++l) {
        const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        const int is = l / 16;
        s[is + 0] += q1 * q8[l];
        s[is + 2] += q2 * q8[l + 32];
        s[is + 4] += q3 * q8[l + 64];
        s[is + 6] += q4 * q8[l + 96];
      }
      for (int k = 0; k < 8; ++k) sumi += sc[k] * s[k];
      ql += 64;
      qh += 32;
      sc += 8;
      q8 += 128;
    }
    sum += fp16_to_fp32(w[i].d) * x[i].d * static_cast<float>(sumi);
  }
  return sum;
}

}  // namespace hearth::kernels::scalar

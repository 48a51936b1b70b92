// Scalar reference dequantization of every GGUF block type hearth reads. The arithmetic follows
// the ggml formulas term by term (same products in the same order), so the floats are identical
// to what llama.cpp's reference dequantizers produce.
#include <string>

#include "hearth/error.hpp"
#include "hearth/quant.hpp"

namespace hearth {
namespace {

template <typename Block>
const Block* blocks(const void* src) {
  return static_cast<const Block*>(src);
}

void dequant_q4_0(const BlockQ4_0* b, float* y, size_t nb) {
  for (size_t i = 0; i < nb; ++i, y += kQK) {
    const float d = fp16_to_fp32(b[i].d);
    for (int j = 0; j < kQK / 2; ++j) {
      y[j] = static_cast<float>((b[i].qs[j] & 0xF) - 8) * d;
      y[j + kQK / 2] = static_cast<float>((b[i].qs[j] >> 4) - 8) * d;
    }
  }
}

void dequant_q4_1(const BlockQ4_1* b, float* y, size_t nb) {
  for (size_t i = 0; i < nb; ++i, y += kQK) {
    const float d = fp16_to_fp32(b[i].d), m = fp16_to_fp32(b[i].m);
    for (int j = 0; j < kQK / 2; ++j) {
      y[j] = static_cast<float>(b[i].qs[j] & 0xF) * d + m;
      y[j + kQK / 2] = static_cast<float>(b[i].qs[j] >> 4) * d + m;
    }
  }
}

uint32_t load_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

// Q5_0/Q5_1: bit j of qh is the fifth bit of element j (0..31).
template <typename Block, bool kHasMin>
void dequant_q5(const Block* b, float* y, size_t nb) {
  for (size_t i = 0; i < nb; ++i, y += kQK) {
    const float d = fp16_to_fp32(b[i].d);
    const uint32_t qh = load_u32(b[i].qh);
    for (int j = 0; j < kQK / 2; ++j) {
      const int lo = (b[i].qs[j] & 0xF) | static_cast<int>(((qh >> j) & 1) << 4);
      const int hi = (b[i].qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1) << 4);
      if constexpr (kHasMin) {
        const float m = fp16_to_fp32(b[i].m);
        y[j] = static_cast<float>(lo) * d + m;
        y[j + kQK / 2] = static_cast<float>(hi) * d + m;
      } else {
        y[j] = static_cast<float>(lo - 16) * d;
        y[j + kQK / 2] = static_cast<float>(hi - 16) * d;
      }
    }
  }
}

template <typename Block>
void dequant_q8(const Block* b, float* y, size_t nb) {
  for (size_t i = 0; i < nb; ++i, y += kQK) {
    const float d = fp16_to_fp32(b[i].d);
    for (int j = 0; j < kQK; ++j) y[j] = static_cast<float>(b[i].qs[j]) * d;
  }
}

// Q2_K: 16 groups of 16; scales[g] = 4-bit scale | 4-bit min << 4; 2-bit quants packed so that
// each 32-byte chunk of qs holds 128 elements at shifts 0, 2, 4, 6.
void dequant_q2_k(const BlockQ2_K* b, float* y, size_t nb) {
  for (size_t i = 0; i < nb; ++i) {
    const float d = fp16_to_fp32(b[i].d), dmin = fp16_to_fp32(b[i].dmin);
    const uint8_t* q = b[i].qs;
    int is = 0;
    for (int n = 0; n < kQK_K; n += 128, q += 32) {
      for (int shift = 0; shift < 8; shift += 2) {
        for (int half = 0; half < 2; ++half) {
          const uint8_t sc = b[i].scales[is++];
          const float dl = d * static_cast<float>(sc & 0xF);
          const float ml = dmin * static_cast<float>(sc >> 4);
          for (int l = 0; l < 16; ++l)
            *y++ = dl * static_cast<float>((q[l + 16 * half] >> shift) & 3) - ml;
        }
      }
    }
  }
}

// Q3_K: 2 low bits in qs (as Q2_K), the third bit in hmask (set = no -4 offset), and sixteen
// 6-bit signed scales (offset 32) packed into 12 bytes: low nibbles in bytes 0..7, the two high
// bits of every scale in bytes 8..11.
void dequant_q3_k(const BlockQ3_K* b, float* y, size_t nb) {
  for (size_t i = 0; i < nb; ++i) {
    const float d_all = fp16_to_fp32(b[i].d);
    const uint8_t* sb = b[i].scales;
    int scales[16];
    for (int j = 0; j < 16; ++j) {
      const int low = j < 8 ? (sb[j] & 0xF) : (sb[j - 8] >> 4);
      const int high = (sb[8 + (j & 3)] >> (2 * (j / 4))) & 3;
      scales[j] = (low | (high << 4)) - 32;
    }
    const uint8_t* q = b[i].qs;
    const uint8_t* hm = b[i].hmask;
    uint8_t m = 1;
    int is = 0;
    for (int n = 0; n < kQK_K; n += 128, q += 32) {
      for (int shift = 0; shift < 8; shift += 2, m = static_cast<uint8_t>(m << 1)) {
        for (int half = 0; half < 2; ++half) {
          const float dl = d_all * static_cast<float>(scales[is++]);
          for (int l = 16 * half; l < 16 * half + 16; ++l) {
            const int v = ((q[l] >> shift) & 3) - ((hm[l] & m) ? 0 : 4);
            *y++ = dl * static_cast<float>(v);
          }
        }
      }
    }
  }
}

void dequant_q4_k(const BlockQ4_K* b, float* y, size_t nb) {
  for (size_t i = 0; i < nb; ++i) {
    const float d = fp16_to_fp32(b[i].d), dmin = fp16_to_fp32(b[i].dmin);
    const uint8_t* q = b[i].qs;
    for (int j = 0; j < 8; j += 2, q += 32) {  // 64 elements: low nibbles, then high
      uint8_t sc, m;
      k_scale_min(j, b[i].scales, &sc, &m);
      const float d1 = d * sc, m1 = dmin * m;
      k_scale_min(j + 1, b[i].scales, &sc, &m);
      const float d2 = d * sc, m2 = dmin * m;
      for (int l = 0; l < 32; ++l) *y++ = d1 * static_cast<float>(q[l] & 0xF) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * static_cast<float>(q[l] >> 4) - m2;
    }
  }
}

void dequant_q5_k(const BlockQ5_K* b, float* y, size_t nb) {
  for (size_t i = 0; i < nb; ++i) {
    const float d = fp16_to_fp32(b[i].d), dmin = fp16_to_fp32(b[i].dmin);
    const uint8_t* ql = b[i].qs;
    const uint8_t* qh = b[i].qh;
    uint8_t u1 = 1, u2 = 2;  // qh bit of the low / high nibble of this 64-element chunk
    for (int j = 0; j < 8; j += 2, ql += 32) {
      uint8_t sc, m;
      k_scale_min(j, b[i].scales, &sc, &m);
      const float d1 = d * sc, m1 = dmin * m;
      k_scale_min(j + 1, b[i].scales, &sc, &m);
      const float d2 = d * sc, m2 = dmin * m;
      for (int l = 0; l < 32; ++l)
        *y++ = d1 * static_cast<float>((ql[l] & 0xF) + ((qh[l] & u1) ? 16 : 0)) - m1;
      for (int l = 0; l < 32; ++l)
        *y++ = d2 * static_cast<float>((ql[l] >> 4) + ((qh[l] & u2) ? 16 : 0)) - m2;
      u1 = static_cast<uint8_t>(u1 << 2);
      u2 = static_cast<uint8_t>(u2 << 2);
    }
  }
}

// Q6_K: per 128 elements, 64 bytes of low nibbles and 32 bytes of 2-bit highs; element l+32k
// (k = 0..3) takes nibble (k&1 ? ql[l+32] : ql[l]) >> (k/2*4) and bits 2k of qh[l].
void dequant_q6_k(const BlockQ6_K* b, float* y, size_t nb) {
  for (size_t i = 0; i < nb; ++i) {
    const float d = fp16_to_fp32(b[i].d);
    const uint8_t* ql = b[i].ql;
    const uint8_t* qh = b[i].qh;
    const int8_t* sc = b[i].scales;
    for (int n = 0; n < kQK_K; n += 128, y += 128, ql += 64, qh += 32, sc += 8) {
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l] = d * static_cast<float>(sc[is]) * static_cast<float>(q1);
        y[l + 32] = d * static_cast<float>(sc[is + 2]) * static_cast<float>(q2);
        y[l + 64] = d * static_cast<float>(sc[is + 4]) * static_cast<float>(q3);
        y[l + 96] = d * static_cast<float>(sc[is + 6]) * static_cast<float>(q4);
      }
    }
  }
}

void dequant_q8_k(const BlockQ8_K* b, float* y, size_t nb) {
  for (size_t i = 0; i < nb; ++i, y += kQK_K)
    for (int j = 0; j < kQK_K; ++j) y[j] = b[i].d * static_cast<float>(b[i].qs[j]);
}

}  // namespace

void dequantize_row(DType type, const void* src, float* dst, size_t n) {
  const DTypeTraits& t = dtype_traits(type);
  if (n % t.block_elems != 0)
    fail(Status::kInvalidArgument, "dequantize_row: " + std::to_string(n) +
                                       " elements is not a multiple of the " + std::string(t.name) +
                                       " block size");
  const size_t nb = n / t.block_elems;
  switch (type) {
    case DType::F32:
      std::memcpy(dst, src, n * sizeof(float));
      return;
    case DType::F16: {
      const auto* h = static_cast<const uint8_t*>(src);
      for (size_t i = 0; i < n; ++i) {
        fp16_t v;
        std::memcpy(&v, h + 2 * i, 2);
        dst[i] = fp16_to_fp32(v);
      }
      return;
    }
    case DType::BF16: {
      const auto* h = static_cast<const uint8_t*>(src);
      for (size_t i = 0; i < n; ++i) {
        bf16_t v;
        std::memcpy(&v, h + 2 * i, 2);
        dst[i] = bf16_to_fp32(v);
      }
      return;
    }
    case DType::Q4_0:
      return dequant_q4_0(blocks<BlockQ4_0>(src), dst, nb);
    case DType::Q4_1:
      return dequant_q4_1(blocks<BlockQ4_1>(src), dst, nb);
    case DType::Q5_0:
      return dequant_q5<BlockQ5_0, false>(blocks<BlockQ5_0>(src), dst, nb);
    case DType::Q5_1:
      return dequant_q5<BlockQ5_1, true>(blocks<BlockQ5_1>(src), dst, nb);
    case DType::Q8_0:
      return dequant_q8(blocks<BlockQ8_0>(src), dst, nb);
    case DType::Q8_1:
      return dequant_q8(blocks<BlockQ8_1>(src), dst, nb);
    case DType::Q2_K:
      return dequant_q2_k(blocks<BlockQ2_K>(src), dst, nb);
    case DType::Q3_K:
      return dequant_q3_k(blocks<BlockQ3_K>(src), dst, nb);
    case DType::Q4_K:
      return dequant_q4_k(blocks<BlockQ4_K>(src), dst, nb);
    case DType::Q5_K:
      return dequant_q5_k(blocks<BlockQ5_K>(src), dst, nb);
    case DType::Q6_K:
      return dequant_q6_k(blocks<BlockQ6_K>(src), dst, nb);
    case DType::Q8_K:
      return dequant_q8_k(blocks<BlockQ8_K>(src), dst, nb);
    default:
      break;
  }
  fail(Status::kUnsupported,
       "dequantize_row: tensor type " + std::string(t.name) + " cannot be converted to float");
}

}  // namespace hearth

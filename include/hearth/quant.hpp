// Quantized block layouts, byte-compatible with the GGUF/ggml types of the same names, plus
// scalar reference (de)quantization. The fast per-ISA kernels live in src/kernels/ and are
// tested against these functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "hearth/dtype.hpp"

namespace hearth {

using fp16_t = uint16_t;  // IEEE binary16 bits
using bf16_t = uint16_t;  // bfloat16 bits

float fp16_to_fp32(fp16_t h);
fp16_t fp32_to_fp16(float f);  // round to nearest even, like F16C's _cvtss_sh(x, 0)
inline float bf16_to_fp32(bf16_t h) {
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
bf16_t fp32_to_bf16(float f);  // round to nearest even; NaN stays NaN

constexpr int kQK = 32;     // elements per block of the *_0 / *_1 types
constexpr int kQK_K = 256;  // elements per super-block of the K types
constexpr int kKScaleBytes = 12;

#pragma pack(push, 1)
struct BlockQ4_0 {  // x = d * (q - 8); q in low nibbles (elements 0..15) then high (16..31)
  fp16_t d;
  uint8_t qs[kQK / 2];
};
struct BlockQ4_1 {  // x = d * q + m
  fp16_t d, m;
  uint8_t qs[kQK / 2];
};
struct BlockQ5_0 {  // x = d * (q - 16); fifth bits in qh
  fp16_t d;
  uint8_t qh[4];
  uint8_t qs[kQK / 2];
};
struct BlockQ5_1 {  // x = d * q + m
  fp16_t d, m;
  uint8_t qh[4];
  uint8_t qs[kQK / 2];
};
struct BlockQ8_0 {  // x = d * q
  fp16_t d;
  int8_t qs[kQK];
};
struct BlockQ8_1 {  // x = d * q; s = d * sum(q)
  fp16_t d, s;
  int8_t qs[kQK];
};
struct BlockQ2_K {
  uint8_t scales[kQK_K / 16];  // 4-bit scale and 4-bit min per 16 elements
  uint8_t qs[kQK_K / 4];
  fp16_t d, dmin;
};
struct BlockQ3_K {
  uint8_t hmask[kQK_K / 8];
  uint8_t qs[kQK_K / 4];
  uint8_t scales[12];
  fp16_t d;
};
struct BlockQ4_K {  // 8 sub-blocks of 32: x = d * sc * q - dmin * m (6-bit sc, m in scales)
  fp16_t d, dmin;
  uint8_t scales[kKScaleBytes];
  uint8_t qs[kQK_K / 2];
};
struct BlockQ5_K {
  fp16_t d, dmin;
  uint8_t scales[kKScaleBytes];
  uint8_t qh[kQK_K / 8];
  uint8_t qs[kQK_K / 2];
};
struct BlockQ6_K {  // 16 sub-blocks of 16: x = d * scale * (q - 32)
  uint8_t ql[kQK_K / 2];
  uint8_t qh[kQK_K / 4];
  int8_t scales[kQK_K / 16];
  fp16_t d;
};
struct BlockQ8_K {  // activation type for K-quant dot products
  float d;
  int8_t qs[kQK_K];
  int16_t bsums[kQK_K / 16];
};
#pragma pack(pop)

static_assert(sizeof(BlockQ4_0) == 18 && sizeof(BlockQ4_1) == 20 && sizeof(BlockQ5_0) == 22 &&
              sizeof(BlockQ5_1) == 24 && sizeof(BlockQ8_0) == 34 && sizeof(BlockQ8_1) == 36);
static_assert(sizeof(BlockQ2_K) == 84 && sizeof(BlockQ3_K) == 110 && sizeof(BlockQ4_K) == 144 &&
              sizeof(BlockQ5_K) == 176 && sizeof(BlockQ6_K) == 210 && sizeof(BlockQ8_K) == 292);

// Scalar reference: `n` elements of `type` starting at `src` (n a multiple of the block size)
// to float. Supports every DType except I8..I64/F64 (throws hearth::Error kUnsupported).
void dequantize_row(DType type, const void* src, float* dst, size_t n);

// Scalar reference quantizers, bit-identical to llama.cpp's reference (non-imatrix) ones.
void quantize_row_q8_0(const float* src, BlockQ8_0* dst, size_t n);
void quantize_row_q4_0(const float* src, BlockQ4_0* dst, size_t n);
void quantize_row_q4_1(const float* src, BlockQ4_1* dst, size_t n);
void quantize_row_q5_0(const float* src, BlockQ5_0* dst, size_t n);  // fallbacks of q4_k_m
void quantize_row_q5_1(const float* src, BlockQ5_1* dst, size_t n);
void quantize_row_q2_k(const float* src, BlockQ2_K* dst, size_t n);
void quantize_row_q3_k(const float* src, BlockQ3_K* dst, size_t n);
void quantize_row_q4_k(const float* src, BlockQ4_K* dst, size_t n);
void quantize_row_q5_k(const float* src, BlockQ5_K* dst, size_t n);
void quantize_row_q6_k(const float* src, BlockQ6_K* dst, size_t n);
void quantize_row_q8_k(const float* src, BlockQ8_K* dst, size_t n);
// Any supported output type (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K,
// Q6_K, Q8_K):
// writes row_bytes(type, n) bytes. Throws kUnsupported for types without a quantizer.
void quantize_row(DType type, const float* src, void* dst, size_t n);

// Unpacks the 6-bit scale and min of sub-block j (0..7) of a Q4_K/Q5_K block.
inline void k_scale_min(int j, const uint8_t* q, uint8_t* scale, uint8_t* min) {
  if (j < 4) {
    *scale = q[j] & 63;
    *min = q[j + 4] & 63;
  } else {
    *scale = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    *min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

}  // namespace hearth

// Scalar activation converters: floats to the vec_dot type of a weight type.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "hearth/quant.hpp"
#include "kernels/scalar/scalar_kernels.hpp"

namespace hearth::kernels::scalar {

void convert_f32(const float* x, void* dst, int64_t n) {
  std::memcpy(dst, x, static_cast<size_t>(n) * 4);
}

void convert_f16(const float* x, void* dst, int64_t n) {
  auto* d = static_cast<fp16_t*>(dst);
  for (int64_t i = 0; i < n; ++i) d[i] = fp32_to_fp16(x[i]);
}

void convert_bf16(const float* x, void* dst, int64_t n) {
  auto* d = static_cast<bf16_t*>(dst);
  for (int64_t i = 0; i < n; ++i) d[i] = fp32_to_bf16(x[i]);
}

// Q8_0 activations exactly as ggml's x86 quantize_row_q8_0 (the SIMD version llama.cpp runs,
// which differs from the reference quantizer): scale 127 / amax, round half to even.
void quantize_q8_0_act(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ8_0*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
    float amax = 0;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float id = amax != 0.0f ? 127.f / amax : 0.0f;
    y[i].d = fp32_to_fp16(amax / 127.f);
    for (int j = 0; j < kQK; ++j) y[i].qs[j] = static_cast<int8_t>(std::nearbyint(x[j] * id));
  }
}

// Q8_1 activations for Q4_1/Q5_1 weights: like Q8_0 plus s = d * sum(q), which carries the
// weights' min term. (ggml's quantize_row_q8_1_ref.)
void quantize_q8_1_act(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ8_1*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
    float amax = 0;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127, id = d ? 1.0f / d : 0.0f;
    int sum = 0;
    for (int j = 0; j < kQK; ++j) {
      y[i].qs[j] = static_cast<int8_t>(std::roundf(x[j] * id));
      sum += y[i].qs[j];
    }
    y[i].d = fp32_to_fp16(d);
    y[i].s = fp32_to_fp16(static_cast<float>(sum) * d);
  }
}

void quantize_q8_k_act(const float* x, void* dst, int64_t n) {
  quantize_row_q8_k(x, static_cast<BlockQ8_K*>(dst), static_cast<size_t>(n));
}

}  // namespace hearth::kernels::scalar

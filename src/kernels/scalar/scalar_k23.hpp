// Scalar Q2_K / Q3_K dot products (dot_scalar_k23.cpp): weights of llama-quantize's Q2_K and
// Q3_K_* mixes against Q8_K activations. No SIMD versions yet: every ISA's table uses these.
#pragma once

#include <cstdint>

namespace hearth::kernels::scalar {

float dot_q2_k(const void* w, const void* x, int64_t n);
float dot_q3_k(const void* w, const void* x, int64_t n);

}  // namespace hearth::kernels::scalar

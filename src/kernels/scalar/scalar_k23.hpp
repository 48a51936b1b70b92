// Scalar Q2_K / Q3_K dot products (dot_scalar_k23.cpp): weights of llama-quantize's Q2_K and
// Q3_K_* mixes against Q8_K activations: the reference, the NEON tables' kernels, and what the x86
// tables' SIMD versions (avx2/dot_k23_avx2.cpp) are tested against.
#pragma once

#include <cstdint>

namespace hearth::kernels::scalar {

float dot_q2_k(const void* w, const void* x, int64_t n);
float dot_q3_k(const void* w, const void* x, int64_t n);

}  // namespace hearth::kernels::scalar

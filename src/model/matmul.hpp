// Y = X * W^T for a weight of any supported type — the one call the forward pass uses for
// every projection, so faster per-ISA kernels (src/kernels/) can replace the body unchanged.
//
// Numerics follow llama.cpp's CPU backend, because matching its logits is a requirement:
// before the dot products the activations are converted to the weight type's "vec_dot type"
// (F16 for F16 weights, BF16 for BF16, Q8_0 for Q4_0/Q5_0/Q8_0, Q8_1 for Q4_1/Q5_1, Q8_K for
// the K-quants), and quantized dots are computed as integer sums scaled by the block scales.
#pragma once

#include <cstdint>
#include <vector>

#include "hearth/dtype.hpp"
#include "hearth/model.hpp"

namespace hearth {

class ThreadPool;

// W: [n_out rows of n_in], X: [n_tok][n_in] floats, Y: [n_tok][n_out] floats. pool may be null.
void matmul(const TensorView& W, const float* X, float* Y, int n_tok, ThreadPool* pool);

// One weight and where its product goes: y is [n_tok][weight->n_out].
struct MatmulOutput {
  const TensorView* weight;
  float* y;
};
// Several products of the same X (q/k/v, gate/up): the activations are converted once and the
// rows of all weights share one parallel loop. Each y gets exactly what matmul would write.
void matmul_shared_input(const MatmulOutput* outs, int n_outs, const float* X, int n_tok,
                         ThreadPool* pool);

namespace model {

// The type activations are converted to before a dot product with weights of `weight_type`.
DType vec_dot_type(DType weight_type);
// Converts n floats (n a multiple of the block size) to `act_type` (row_bytes(act_type, n)).
void convert_activations(DType act_type, const float* x, void* dst, int64_t n);
// Dot product of one weight row with one converted activation row (n elements).
float vec_dot(DType weight_type, const void* w, const void* act, int64_t n);

}  // namespace model
}  // namespace hearth

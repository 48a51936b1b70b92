// Row-wise operations of the embedding forward passes, with llama.cpp's CPU numerics where
// they matter: norms accumulate in double (ggml_float), GELU is the tanh approximation that
// ggml_gelu computes, RoPE angles advance by a float ratio per pair.
#pragma once

#include <cstdint>

namespace hearth::embed {

// x = (x - mean) / sqrt(var + eps) * w + b over n elements (w, b may be null).
void layer_norm(float* x, int n, const float* w, const float* b, float eps);
// x = x / sqrt(mean(x^2) + eps) * w (w may be null).
void rms_norm(float* x, int n, const float* w, float eps);
void add_bias(float* x, int n, const float* b);
// x = gelu(x + b) (b may be null: gelu(x)); the bias add and the activation in one pass.
void gelu(float* x, int n, const float* b = nullptr);
// gate = silu(gate) * up.
void swiglu(float* gate, const float* up, int n);
// NeoX-style rotation of the first n_rot dims of one head at position `pos`.
void rope_neox(float* head, int n_rot, int pos, float base, float freq_scale);

}  // namespace hearth::embed

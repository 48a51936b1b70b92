// An independent reference forward pass for the tests: a llama-architecture transformer written
// straight from the equations with Eigen float matrices. It shares nothing with hearth's forward
// code or kernels — only the GGUF reader (to find the tensors and metadata) and the reference
// dequantizers of include/hearth/quant.hpp (to turn the weights into floats) — so a test that
// compares hearth's logits with it checks the forward pass, the kernels and the oneDNN path
// against the mathematics rather than against themselves.
//
// What differs from hearth on purpose, and bounds the comparison
// (tests/test_reference_forward.cpp): weights are dequantized once and every product is float x
// float (hearth rounds activations to the weight type's vec_dot type first, e.g. Q8_0), and K/V
// stay float (hearth's cache is F16). Supported: general.architecture "llama" (RMSNorm, RoPE on
// adjacent pairs, GQA, SwiGLU, tied or separate output matrix); no rope_freqs factors. Throws
// std::runtime_error otherwise.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hearth::test {

// Logits (n_vocab floats) after the last of `tokens`, evaluated from position 0.
std::vector<float> eigen_forward_last_logits(const std::string& gguf_path,
                                             const std::vector<int32_t>& tokens);

}  // namespace hearth::test

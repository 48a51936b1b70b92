// The scale searches of ggml's K-quant reference quantizers, shared by the Q2_K..Q6_K block
// quantizers. Each reproduces ggml's candidate sequence, float operations (in the same order)
// and tie-breaking, because one different rounding changes a block's bytes.
#pragma once

#include <cstdint>

namespace hearth::quant {

// Below this largest magnitude a group is all zero (ggml's GROUP_MAX_EPS).
constexpr float kGroupMaxEps = 1e-15f;

// Symmetric levels in [-nmax, nmax-1] weighted by x^2 (ggml's make_qx_quants, rmse_type 1, no
// importance weights). Writes L[i] = level + nmax; returns the scale.
float make_qx_quants(int n, int nmax, const float* x, int8_t* L);

// Symmetric levels in [-nmax, nmax-1] refined by coordinate descent on the x^2-weighted error
// (ggml's make_q3_quants with do_rmse). Writes L[i] = level + nmax; returns the scale.
float make_q3_quants(int n, int nmax, const float* x, int8_t* L);

// Asymmetric levels x ~ scale * L - min_out, L in [0, nmax], from nstep+1 candidate inverse
// scales solved by weighted least squares (ggml's make_qkx2_quants). use_mad scores candidates
// by absolute instead of squared error (Q2_K). Returns the scale; *min_out >= 0.
float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, uint8_t* L,
                       float* min_out, uint8_t* Laux, float rmin, float rdelta, int nstep,
                       bool use_mad);

}  // namespace hearth::quant

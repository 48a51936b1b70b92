// What the kernel tests share: the scalar table (every SIMD kernel's reference), a table slot
// from a type, the scale of a dot product's allowed rounding difference, and gtest parameter
// names for ISAs.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "hearth/quant.hpp"
#include "kernels/kernel_table.hpp"

namespace hearth::test {

inline const kernels::KernelTable& scalar_table() {
  return *kernels::kernels_for(Isa::kScalar);
}

inline int slot(DType t) {
  return static_cast<int>(t);
}

// sum |w_i * x_i| from the dequantized operands: the scale of the allowed rounding difference.
inline double magnitude(DType wt, const uint8_t* w, DType at, const uint8_t* xa, int64_t n) {
  std::vector<float> wf(static_cast<size_t>(n)), xf(static_cast<size_t>(n));
  dequantize_row(wt, w, wf.data(), static_cast<size_t>(n));
  dequantize_row(at, xa, xf.data(), static_cast<size_t>(n));
  double mag = 0;
  for (int64_t i = 0; i < n; ++i) mag += std::fabs(static_cast<double>(wf[i]) * xf[i]);
  return mag;
}

// A gtest parameter name: letters, digits and underscores only ("neon-dotprod" -> neon_dotprod).
inline std::string isa_param_name(Isa isa) {
  std::string name = isa_name(isa);
  for (char& c : name)
    if (c == '-') c = '_';
  return name;
}

}  // namespace hearth::test

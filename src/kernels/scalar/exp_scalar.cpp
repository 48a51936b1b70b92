// Scalar reference exponential: the C library's expf, element by element.
#include <cmath>

#include "kernels/scalar/scalar_kernels.hpp"

namespace hearth::kernels::scalar {

void exp_f32(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::exp(x[i]);
}

}  // namespace hearth::kernels::scalar

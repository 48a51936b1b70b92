#include <cstring>

#include "convert/model_plan.hpp"
#include "hearth/error.hpp"

namespace hearth::convert {

void permute_rotary_rows(const float* in, float* out, uint64_t rows, uint64_t cols,
                         uint64_t n_heads) {
  if (n_heads == 0 || rows % (2 * n_heads) != 0)
    fail(Status::kInvalidModel, "rotary projection rows are not a multiple of 2 x heads");
  const uint64_t head_dim = rows / n_heads;
  const uint64_t half = head_dim / 2;
  for (uint64_t h = 0; h < n_heads; ++h)
    for (uint64_t i = 0; i < half; ++i)
      for (uint64_t j = 0; j < 2; ++j) {
        const uint64_t dst = h * head_dim + 2 * i + j;
        const uint64_t src = h * head_dim + j * half + i;
        std::memcpy(out + dst * cols, in + src * cols, cols * sizeof(float));
      }
}

}  // namespace hearth::convert

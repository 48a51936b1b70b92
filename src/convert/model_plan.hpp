// What an importer produces before anything is written: GGUF metadata plus the list of
// tensors, each able to produce its float32 values on demand (so that at most one tensor is
// widened in memory at a time), with the rotary row permutation already applied.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hearth/gguf.hpp"

namespace hearth::convert {

struct PlannedTensor {
  std::string name;                      // GGUF name, e.g. "blk.0.attn_q.weight"
  std::vector<uint64_t> shape;           // PyTorch order: outermost first, shape.back() is the row
  std::function<void(float* out)> load;  // writes product(shape) floats

  uint64_t n_elements() const {
    uint64_t n = 1;
    for (uint64_t d : shape) n *= d;
    return n;
  }
};

struct ModelPlan {
  GgufWriter writer;  // metadata already set; tensors are added by write_plan()
  std::string arch;
  std::vector<PlannedTensor> tensors;
};

// Reorders the rows of a [rows, cols] Q or K projection (or bias, cols = 1) from the
// Hugging Face rotate-half layout to the interleaved-pair layout of GGUF/Meta checkpoints:
// within each head, output row 2i+j takes input row j*(head_dim/2)+i.
void permute_rotary_rows(const float* in, float* out, uint64_t rows, uint64_t cols,
                         uint64_t n_heads);

}  // namespace hearth::convert

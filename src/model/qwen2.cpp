// qwen2: the llama block with biases on the Q/K/V projections and NeoX-style RoPE (rotating
// the two halves of each head), usually with tied embeddings.
#include "model/arch.hpp"

namespace hearth::model {

const ArchSpec& arch_qwen2() {
  static const ArchSpec spec{"qwen2", RopeStyle::kNeox, true, false};
  return spec;
}

}  // namespace hearth::model

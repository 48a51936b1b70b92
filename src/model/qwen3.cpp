// qwen3: no Q/K/V biases; instead each head of Q and K is RMS-normalised (own weights,
// [head_dim]) before RoPE. head_dim comes from attention.key_length and may differ from
// n_embd / n_head. NeoX-style RoPE.
#include "model/arch.hpp"

namespace hearth::model {

const ArchSpec& arch_qwen3() {
  static const ArchSpec spec{"qwen3", RopeStyle::kNeox, false, true};
  return spec;
}

}  // namespace hearth::model

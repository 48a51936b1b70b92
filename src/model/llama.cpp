// llama: Llama 2/3, Mistral, TinyLlama, SmolLM2, llama2.c TinyStories models.
// RMSNorm, RoPE on adjacent pairs (GGUF conversion permutes Q/K so this matches HF), SwiGLU,
// GQA/MQA, optional separate output matrix and Llama-3 rope_freqs factors.
#include "model/arch.hpp"

namespace hearth::model {

const ArchSpec& arch_llama() {
  static const ArchSpec spec{"llama", RopeStyle::kNormal, false, false};
  return spec;
}

}  // namespace hearth::model

// What distinguishes the supported architectures. Each src/model/<arch>.cpp defines one spec;
// the shared loader (model_loader.cpp) and forward pass (src/context/forward.cpp) read it.
#pragma once

#include <string_view>

#include "hearth/model.hpp"

namespace hearth::model {

struct ArchSpec {
  std::string_view name;  // general.architecture
  RopeStyle rope_style;
  bool qkv_bias;  // attn_{q,k,v}.bias required
  bool qk_norm;   // attn_{q,k}_norm.weight required (per-head RMSNorm before RoPE)
};

const ArchSpec& arch_llama();
const ArchSpec& arch_qwen2();
const ArchSpec& arch_qwen3();

// The spec of `name`, or nullptr when hearth does not implement it.
const ArchSpec* find_arch(std::string_view name);

}  // namespace hearth::model

// The tensors a synthetic model is made of, planned per architecture family.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hearth/synth.hpp"

namespace hearth::synth {

struct PlannedTensor {
  std::string name;
  std::vector<uint64_t> dims;  // ggml order: dims[0] is the row length
  // kNearOne: 1 + noise, for norm weights whose multiplication a test should see.
  enum Fill { kRandom, kOnes, kRopeFreqs, kNearOne } fill;
};

// bert / nomic-bert encoders, with the reranker head when the preset asks (synth_encoder.cpp).
std::vector<PlannedTensor> plan_encoder(const SynthPreset& p, uint64_t n_vocab);
bool is_encoder(const SynthPreset& p);

}  // namespace hearth::synth

// Token selection from logits: greedy (argmax) or seeded temperature sampling.
// A full chain (penalties, top-k/p, min-p, typical, logit bias) replaces this later; it keeps
// the same interface.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace hearth {

struct SamplerConfig {
  float temperature = 0.0f;               // <= 0: greedy
  int top_k = 0;                          // 0: off
  uint64_t seed = 0xFFFFFFFFFFFFFFFFull;  // all ones: a random seed
};

class Sampler {
 public:
  explicit Sampler(const SamplerConfig& config);
  int sample(const float* logits, int n_vocab);

 private:
  SamplerConfig config_;
  std::mt19937_64 rng_;
  std::vector<std::pair<float, int>> candidates_;
};

// The lowest index of the largest logit.
int argmax(const float* logits, int n_vocab);

}  // namespace hearth

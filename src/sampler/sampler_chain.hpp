// Sampler — the sampling chain of sampler_config.hpp (logit bias, penalties, top-k, typical-p,
// top-p, min-p, temperature, seeded draw) over one context's logits, plus the token history
// the penalties look at.
//
// Determinism: one Sampler is single-threaded and uses only SamplerRng and fixed-order double
// arithmetic, so equal seeds and equal logits give equal tokens on every thread count/platform.
#pragma once

#include <cstdint>
#include <vector>

#include "sampler/candidates.hpp"
#include "sampler/penalty_window.hpp"
#include "sampler/sampler_config.hpp"
#include "sampler/sampler_rng.hpp"

namespace hearth {

class Sampler {
 public:
  // Validates the config (not the logit-bias tokens against a vocabulary: sample() does) and
  // resolves a kRandomSeed seed to a random one.
  explicit Sampler(const SamplerConfig& config);

  // Adds a token to the penalty history: call it for the prompt and for each sampled token.
  void accept(int32_t token);

  // One token for these logits [n_vocab]. Does not accept() it. Throws kInvalidArgument when a
  // logit-bias token is >= n_vocab or every token is banned.
  int sample(const float* logits, int n_vocab);

  // Runs the chain up to (not including) the temperature and the draw: the surviving
  // candidates with their logits after bias and penalties. For tests and diagnostics. With
  // temperature 0, top-k / top-p / min-p are skipped (they never drop the greedy choice).
  const Candidates& candidates(const float* logits, int n_vocab);

  uint64_t seed() const { return seed_; }  // the effective seed (never kRandomSeed)
  const SamplerConfig& config() const { return config_; }
  const PenaltyWindow& history() const { return history_; }

 private:
  SamplerConfig config_;
  uint64_t seed_;
  SamplerRng rng_;
  PenaltyWindow history_;
  std::vector<float> adjusted_;  // [n_vocab] logits after bias and penalties
  Candidates candidates_;
  std::vector<double> weights_;  // softmax numerators of the draw
};

// The lowest index of the largest logit.
int argmax(const float* logits, int n_vocab);

}  // namespace hearth

// Sampler — the sampling chain of sampler_config.hpp (logit bias, penalties, top-k, typical-p,
// top-p, min-p, temperature, seeded draw) over one context's logits, plus the token history
// the penalties look at.
//
// Determinism: one Sampler is single-threaded and uses only SamplerRng and fixed-order double
// arithmetic, so equal seeds and equal logits give equal tokens on every thread count/platform.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "grammar/grammar_state.hpp"
#include "hearth/tokenizer.hpp"

#include "sampler/candidates.hpp"
#include "sampler/penalty_window.hpp"
#include "sampler/sampler_config.hpp"
#include "sampler/sampler_rng.hpp"

namespace hearth {

class Sampler {
 public:
  // Validates the config (not the logit-bias tokens against a vocabulary: sample() does) and
  // resolves a kRandomSeed seed to a random one. A config with a grammar needs the vocabulary
  // (kInvalidArgument without one, or when the grammar does not parse).
  explicit Sampler(const SamplerConfig& config, const Tokenizer* vocab = nullptr);

  // A sampled token: adds it to the penalty history and advances the grammar (kInvalidArgument
  // when the grammar does not allow it).
  void accept(int32_t token);
  // A token the model did not choose (the prompt, a reused prefix): penalty history only.
  void accept_prompt(int32_t token);

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
  bool has_grammar() const { return grammar_.has_value(); }

 private:
  SamplerConfig config_;
  uint64_t seed_;
  SamplerRng rng_;
  PenaltyWindow history_;
  std::vector<float> adjusted_;  // [n_vocab] logits after bias and penalties
  Candidates candidates_;
  std::vector<double> weights_;  // softmax numerators of the draw
  std::optional<grammar::GrammarState> grammar_;
};

// The lowest index of the largest logit.
int argmax(const float* logits, int n_vocab);

}  // namespace hearth

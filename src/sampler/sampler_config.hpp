// SamplerConfig — every knob of the sampling chain, and its validation.
//
// The chain (sampler_chain.hpp) applies the stages in this fixed order, the order of
// hearth_sampler_params in capi/hearth.h and of llama.cpp's default chain:
//   1. logit bias        logit[t] += bias (entries for the same token add up; -INFINITY bans t)
//   2. penalties         over the last `penalty_last_n` tokens of the history (the tokens already
//                        in the context before the prompt when the caller gives them, the prompt,
//                        then every generated token). For a token t seen c > 0 times there:
//                        logit > 0 ? logit / repeat_penalty : logit * repeat_penalty  (once),
//                        then logit -= c * frequency_penalty + presence_penalty.
//                        penalty_last_n: 0 = off, -1 = the whole history.
//   3. top-k             keep the k largest logits (ties: the lower token id first); 0 = off
//   4. typical-p         locally typical sampling: with p = softmax(logits) and H its entropy,
//                        keep the fewest tokens, in increasing |-log p(t) - H|, whose probability
//                        sums to >= typical_p; 1 = off
//   5. top-p             keep the fewest most likely tokens whose probability sums to >= top_p;
//                        1 = off
//   6. min-p             keep tokens with p(t) >= min_p * max p; 0 = off
//   0. grammar           (when `grammar` is set) tokens the GBNF grammar does not allow next get
//                        -INFINITY before everything else, as llama.cpp applies its grammar
//                        sampler first; end-of-generation is allowed exactly when the grammar
//                        can end (src/grammar/grammar_state.hpp). Sampler::sample may check
//                        the unconstrained choice first and mask only when it is rejected:
//                        the same token for greedy, the same distribution without truncation,
//                        llama.cpp's common_sampler mixture with it (sampler_chain.hpp)
//   7. temperature       0: greedy, the largest surviving logit (the lowest id on ties) and no
//                        random draw; else one draw from softmax(logits / temperature) over the
//                        survivors with the seeded generator (sampler_rng.hpp).
// Stages 4-6 compute probabilities at temperature 1 from the logits after stages 1-2, like
// llama.cpp. At least one token always survives each stage.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hearth {

constexpr uint64_t kRandomSeed = 0xFFFFFFFFFFFFFFFFull;  // seed value meaning "pick one"

struct LogitBias {
  int32_t token = 0;
  float bias = 0.0f;  // -INFINITY bans the token
};

struct SamplerConfig {
  float temperature = 0.0f;  // 0: greedy; < 0 is invalid
  int top_k = 0;             // 0: off
  uint64_t seed = kRandomSeed;
  float top_p = 1.0f;              // (0, 1]; 1: off
  float min_p = 0.0f;              // [0, 1]; 0: off
  float typical_p = 1.0f;          // (0, 1]; 1: off
  float repeat_penalty = 1.0f;     // > 0; 1: off
  float frequency_penalty = 0.0f;  // any finite value; 0: off
  float presence_penalty = 0.0f;   // any finite value; 0: off
  int penalty_last_n = 64;         // tokens of history the penalties see; 0: off; -1: all
  std::vector<LogitBias> logit_bias;
  // GBNF text (llama.cpp's syntax, start rule `root`); empty: unconstrained. A JSON Schema is
  // converted to GBNF first (src/grammar/json_schema.hpp).
  std::string grammar;
  // Lazy grammar (tool calls in tool_choice "auto"): when non-empty, `grammar` constrains nothing
  // until one of these strings appears in the generated text (the pieces as the grammar sees
  // them, special tokens rendered). From there on the grammar must match the text starting at
  // that string, so its root begins with the trigger. Free text before the trigger stays free.
  std::vector<std::string> grammar_triggers;
};

// Throws Error(kInvalidArgument) naming the field: NaN anywhere, temperature < 0, top_k < 0,
// top_p or typical_p outside (0, 1], min_p outside [0, 1], repeat_penalty <= 0 or infinite,
// infinite frequency/presence penalties, penalty_last_n < -1, a bias that is NaN or +INFINITY,
// and (when n_vocab > 0) a logit-bias token outside 0..n_vocab-1.
void validate_sampler_config(const SamplerConfig& config, int n_vocab);

// True when the chain has no random draw (temperature 0).
inline bool is_greedy(const SamplerConfig& config) {
  return config.temperature == 0.0f;
}

}  // namespace hearth

// The generation loop: prefill the prompt, then sample / decode one token at a time until an
// end-of-generation token, max_tokens, a stop string, the callback or cancel().
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "generate/sampler.hpp"
#include "hearth/context.hpp"

namespace hearth {

enum class StopReason : int { kEog = 0, kMaxTokens = 1, kStopString = 2, kCancelled = 3 };

struct GenerateOptions {
  int max_tokens = 256;
  SamplerConfig sampler;                  // default: greedy
  std::vector<std::string> stop_strings;  // not emitted; matched across token boundaries
  // Called per generated token with the text that became final (may be empty). Return false
  // to stop (StopReason::kCancelled).
  std::function<bool(int token, const std::string& text)> on_token;
};

struct GenerateResult {
  std::vector<int> tokens;  // generated tokens (the end-of-generation token excluded)
  int n_prompt = 0;
  StopReason stop_reason = StopReason::kMaxTokens;
  double time_to_first_token_ms = 0;
  double prompt_tokens_per_s = 0;
  double gen_tokens_per_s = 0;
};

// Throws like Context::decode (kContextFull when the prompt does not fit; running out of
// context while generating ends with kMaxTokens instead).
GenerateResult generate(Context& ctx, const int32_t* prompt, size_t n_prompt,
                        const GenerateOptions& options);

}  // namespace hearth

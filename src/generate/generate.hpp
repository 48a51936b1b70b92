// The generation loop: prefill the prompt, then sample / decode one token at a time until an
// end-of-generation token, max_tokens, a stop string, the callback or cancel().
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hearth/context.hpp"
#include "sampler/sampler_chain.hpp"

namespace hearth {

enum class StopReason : int { kEog = 0, kMaxTokens = 1, kStopString = 2, kCancelled = 3 };

// The token of the final on_token call that only flushes held-back text (see on_token).
constexpr int kFlushToken = -1;

struct GenerateOptions {
  int max_tokens = 256;
  SamplerConfig sampler;                  // default: greedy
  std::vector<std::string> stop_strings;  // not emitted; matched across token boundaries
  // Called per generated token with the text that became final (may be empty): complete
  // UTF-8, never part of a stop string. Return false to stop (StopReason::kCancelled).
  // Text still held back when generation ends (max tokens, context full: in the last token's
  // call; end-of-generation token: one extra call with token kFlushToken, whose return value
  // is ignored) is released, so the calls spell the whole text. On a stop string or a cancel
  // the held-back text is dropped.
  std::function<bool(int token, const std::string& text)> on_token;
  // Tokens already in the context before `prompt` (e.g. a session's reused prefix), oldest
  // first: the repetition penalties count them as history, before the prompt. Optional.
  std::vector<int32_t> history;
};

struct GenerateResult {
  std::vector<int> tokens;  // generated tokens (the end-of-generation token excluded)
  int n_prompt = 0;
  StopReason stop_reason = StopReason::kMaxTokens;
  // From entering generate() to the first sampled token: the prefill plus one sampling step.
  double time_to_first_token_ms = 0;
  double prompt_tokens_per_s = 0;  // n_prompt / prefill time (0 without a prompt)
  // Sampled tokens after the first (the end-of-generation token included: it cost a decode
  // too) per second between the first and the last sample: decode + sampling speed, prompt
  // excluded. 0 when fewer than two tokens were sampled.
  double gen_tokens_per_s = 0;
  uint64_t seed = 0;  // the sampler's effective seed (a random one when asked)
};

// Throws like Context::decode (kContextFull when the prompt does not fit; running out of
// context while generating ends with kMaxTokens instead), kInvalidArgument for bad options
// (before anything is decoded). A cancel() from another thread during the prompt or a decode
// ends with kCancelled (the context keeps what was decoded before).
GenerateResult generate(Context& ctx, const int32_t* prompt, size_t n_prompt,
                        const GenerateOptions& options);

}  // namespace hearth

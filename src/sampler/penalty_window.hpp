// PenaltyWindow — the last `penalty_last_n` tokens of the history and how often each occurs,
// and the repetition / frequency / presence penalties they put on the logits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>

namespace hearth {

struct SamplerConfig;

class PenaltyWindow {
 public:
  // last_n: tokens remembered; 0 = none (penalties off); -1 = all of them.
  explicit PenaltyWindow(int last_n) : last_n_(last_n) {}

  void accept(int32_t token);
  int count(int32_t token) const;
  size_t size() const { return window_.size(); }

  // For every token seen c > 0 times in the window (llama.cpp semantics):
  //   logit = logit > 0 ? logit / repeat_penalty : logit * repeat_penalty;
  //   logit -= c * frequency_penalty + presence_penalty;
  // logits: [n_vocab], modified in place. Tokens >= n_vocab are ignored.
  void apply(const SamplerConfig& config, float* logits, int n_vocab) const;

 private:
  int last_n_;
  std::deque<int32_t> window_;               // oldest first
  std::unordered_map<int32_t, int> counts_;  // token -> occurrences in window_
};

// True when the penalties would change nothing (all three at their neutral values).
bool penalties_off(const SamplerConfig& config);

}  // namespace hearth

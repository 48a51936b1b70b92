// StepCost — how long the engine's steps take, learned as it runs, so the scheduler can size
// prefill chunks: on a CPU a prefill token costs about as much as a whole decode step's worth of
// weight reading divided by a small number, so a 512-token chunk beside running streams would
// stall them for many decode-steps' time. With max_decode_stall = 3, a step that carries a prompt
// chunk is sized to take at most ~3x a decode-only step, and long prompts are admitted in more,
// smaller chunks while others stream.
//
// Model: t(step) = t_decode + n_prefill * c_token, from measured steps: decode-only steps give
// t_decode (exponential average), mixed steps give c_token (exponential average that follows a
// rise at once: the cost grows along a long prompt, and one overlong step is what a stream
// feels). Used under the engine lock.
#pragma once

#include <climits>

namespace hearth::engine {

class StepCost {
 public:
  // A finished step: how many sequences decoded one token, how many prompt tokens it ran.
  void record(int n_decode, int n_prefill, double seconds);
  // The most prompt tokens a step may carry beside n_decode decoding sequences; INT_MAX when
  // nothing decodes or the guard is off (max_stall <= 0).
  int prefill_cap(int n_decode, double max_stall) const;

  double decode_seconds() const { return decode_s_; }
  double prefill_token_seconds() const { return token_s_; }

  // Until both terms are measured, a mixed step carries this many prompt tokens (a first
  // measurement that cannot stall the streams for long).
  static constexpr int kCalibrationTokens = 32;
  // Never fewer per step: a long prompt still makes progress however slow its tokens are.
  static constexpr int kMinChunk = 16;

 private:
  double decode_s_ = 0;  // 0: not measured yet
  double token_s_ = 0;
};

}  // namespace hearth::engine

// StepCost — how long the engine's steps take, learned as it runs, so the scheduler can size
// prefill chunks: on a CPU a prefill token costs about as much as a whole decode step's worth of
// weight reading divided by a small number, so a 512-token chunk beside running streams would
// stall them for many decode-steps' time. With max_decode_stall = 3, a step that carries prompt
// chunks is sized to take at most ~3x a decode-only step, and long prompts are admitted in more,
// smaller chunks while others stream.
//
// Model: t(step) = t_decode + c_token * tokens + c_cell * cells. A prompt token at position p
// attends to p + 1 cells, so a chunk of n tokens at p0 costs n tokens and n * p0 + n (n + 1) / 2
// cells: deep into a long prompt, attention over the cached prefix is a large part of a token's
// cost (qwen2.5-0.5b, 2,000-token prompt: a token at the end costs ~2x one at the start), and a
// per-token cost alone would under-estimate every chunk while the prompt goes on.
// Decode-only steps give t_decode (running average); steps with prompt chunks beside decoding
// sequences give c_token and c_cell (least squares over the recent steps, older ones weighed
// less). The streams feel the slowest step, not the average one, so chunks are sized for the
// predicted step to stay below the limit by twice the recent relative error of the predictions
// (a noisy machine gets smaller chunks). Used under the engine lock.
#pragma once

#include <climits>

namespace hearth::engine {

class StepCost {
 public:
  // Attention cells read by a chunk of n prompt tokens at positions p0..p0+n-1.
  static double cells(int n, int p0);

  // A finished step: how many sequences decoded one token, the prompt tokens and cells it ran.
  void record(int n_decode, int n_prefill, double prefill_cells, double seconds);

  // How much prompt work one step may still take beside its decoding sequences.
  class Budget {
   public:
    // The most tokens (<= max_n) of a chunk at p0 that fit what is left, at most kGrowth x the
    // longest chunk measured; at least min(kMinChunk, max_n) for the step's first chunk (a
    // prompt always makes progress).
    int fit(int p0, int max_n) const;
    // Takes a chunk of n tokens at p0 out of what is left.
    void spend(int n, int p0);
    bool has_room() const;  // true for the step's first chunk, whatever is left

   private:
    friend class StepCost;
    enum class Kind { kUnlimited, kTokens, kSeconds } kind_ = Kind::kUnlimited;
    double left_ = 0;  // kTokens: tokens; kSeconds: seconds
    double c_token_ = 0, c_cell_ = 0;
    int max_n_ = 0;  // kSeconds: the longest chunk the fit may be extrapolated to
    bool first_ = true;
  };
  // The budget of a step beside n_decode decoding sequences: unlimited when nothing decodes or
  // the guard is off (max_stall <= 0); kCalibrationTokens until the costs are measured; else
  // max_stall * t_decode / margin() - t_decode of predicted prompt work.
  Budget budget(int n_decode, double max_stall) const;

  // The factor predicted steps are kept below the limit by: 1 + 2 x the RMS of the recent
  // relative errors of the predictions (1 until mixed steps were predicted).
  double margin() const;
  double decode_seconds() const { return decode_s_; }
  double token_seconds() const { return c_token_; }
  double cell_seconds() const { return c_cell_; }

  // Until both terms are measured, a mixed step carries this many prompt tokens (a first
  // measurement that cannot stall the streams for long: 32 took 3.2x a decode step beside 7
  // streams of qwen2.5-0.5b on one thread).
  static constexpr int kCalibrationTokens = 16;
  // Never fewer in a step's first chunk: a long prompt still makes progress however slow its
  // tokens are. Small, because this floor is what the stall limit cannot shorten: deep into a
  // 2,000-token prompt a chunk of 16 took more than 3x a decode step.
  static constexpr int kMinChunk = 4;
  // Nor more than this many times the longest chunk measured so far: the cost per token is not
  // constant (beside a few decoding rows the weight matmuls are bound by reading the weights,
  // with hundreds of rows by arithmetic: on a busy machine 32 tokens beside 7 streams measured
  // 0.33 ms each, and the 504 that this allowed took 4 ms each), so the fit is extrapolated only
  // a little past what it has seen.
  static constexpr int kGrowth = 2;

 private:
  void fit_costs();

  double decode_s_ = 0;  // 0: not measured yet
  // Weighted sums of the mixed steps' (tokens, cells) and their time beyond t_decode, y:
  // tt = sum w t^2, tc = sum w t c, cc = sum w c^2, ty = sum w t y, cy = sum w c y.
  double tt_ = 0, tc_ = 0, cc_ = 0, ty_ = 0, cy_ = 0;
  double c_token_ = 0, c_cell_ = 0;  // both 0: not measured yet
  double error_var_ = 0;             // running mean square of the relative prediction errors
  int max_measured_ = 0;             // the most prompt tokens of a measured mixed step
};

}  // namespace hearth::engine

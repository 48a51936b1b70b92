#include "engine/step_cost.hpp"

#include <algorithm>
#include <cmath>

namespace hearth::engine {
namespace {

constexpr double kWeight = 0.2;  // of the newest measurement in the running averages

double average(double old, double x) {
  return old == 0 ? x : old + kWeight * (x - old);
}

}  // namespace

void StepCost::record(int n_decode, int n_prefill, double seconds) {
  if (n_decode <= 0 || seconds <= 0) return;  // prefill-only steps say nothing about stalls
  if (n_prefill == 0) {
    decode_s_ = average(decode_s_, seconds);
  } else if (decode_s_ > 0) {
    // A prompt token's cost rises as the prompt goes on (each chunk attends to everything before
    // it), and the streams feel the slowest step, not the average one: a dearer step than
    // expected is believed at once, a cheaper one only by the running average.
    const double x = std::max(0.0, seconds - decode_s_) / n_prefill;
    token_s_ = std::max(x, average(token_s_, x));
  }
}

int StepCost::prefill_cap(int n_decode, double max_stall) const {
  if (n_decode <= 0 || max_stall <= 0) return INT_MAX;
  if (decode_s_ == 0 || token_s_ == 0) return kCalibrationTokens;
  const double tokens = (max_stall - 1.0) * decode_s_ / token_s_;
  if (tokens >= INT_MAX / 2) return INT_MAX / 2;
  return std::max(kMinChunk, static_cast<int>(std::floor(tokens)));
}

}  // namespace hearth::engine

#include "engine/step_cost.hpp"

#include <algorithm>
#include <cmath>

namespace hearth::engine {
namespace {

constexpr double kWeight = 0.2;  // of the newest decode-only step in t_decode's running average
// Each mixed step weighs this much less than the next one in the least squares: ~10 steps of
// memory, enough spread of positions along a prompt to tell the two terms apart.
constexpr double kKeep = 0.9;
// A step's predicted time is kept this many of the recent relative errors below the stall limit
// (the streams feel the slowest step, not the average one).
constexpr double kSpread = 2.0;

double average(double old, double x) {
  return old == 0 ? x : old + kWeight * (x - old);
}

}  // namespace

double StepCost::cells(int n, int p0) {
  return static_cast<double>(n) * p0 + 0.5 * static_cast<double>(n) * (n + 1);
}

void StepCost::record(int n_decode, int n_prefill, double prefill_cells, double seconds) {
  if (n_decode <= 0 || seconds <= 0) return;  // prefill-only steps say nothing about stalls
  if (n_prefill == 0) {
    decode_s_ = average(decode_s_, seconds);
    return;
  }
  if (decode_s_ == 0) return;
  max_measured_ = std::max(max_measured_, n_prefill);
  const double t = n_prefill, c = prefill_cells, y = seconds - decode_s_;
  if (c_token_ > 0 || c_cell_ > 0) {
    // How far off the prediction this step was sized by (before this step updates the fit).
    const double predicted = decode_s_ + c_token_ * t + c_cell_ * c;
    const double r = (seconds - predicted) / predicted;
    error_var_ += kWeight * (r * r - error_var_);
  }
  tt_ = kKeep * tt_ + t * t;
  tc_ = kKeep * tc_ + t * c;
  cc_ = kKeep * cc_ + c * c;
  ty_ = kKeep * ty_ + t * y;
  cy_ = kKeep * cy_ + c * y;
  fit_costs();
}

void StepCost::fit_costs() {
  // Both terms when the steps tell them apart (chunks at several positions) and both come out
  // non-negative; else the per-token term alone (the cost of the recent chunks per token).
  const double det = tt_ * cc_ - tc_ * tc_;
  if (det > 1e-9 * tt_ * cc_) {
    const double a = (ty_ * cc_ - cy_ * tc_) / det;
    const double b = (cy_ * tt_ - ty_ * tc_) / det;
    if (a > 0 && b >= 0) {
      c_token_ = a;
      c_cell_ = b;
      return;
    }
  }
  c_token_ = std::max(0.0, ty_ / tt_);
  c_cell_ = 0;
}

double StepCost::margin() const {
  return 1.0 + kSpread * std::sqrt(error_var_);
}

StepCost::Budget StepCost::budget(int n_decode, double max_stall) const {
  Budget b;
  if (n_decode <= 0 || max_stall <= 0) return b;
  if (decode_s_ == 0 || (c_token_ == 0 && c_cell_ == 0)) {
    b.kind_ = Budget::Kind::kTokens;
    b.left_ = kCalibrationTokens;
    return b;
  }
  b.kind_ = Budget::Kind::kSeconds;
  b.left_ = std::max(0.0, max_stall * decode_s_ / margin() - decode_s_);
  b.c_token_ = c_token_;
  b.c_cell_ = c_cell_;
  b.max_n_ = kGrowth * max_measured_;
  return b;
}

int StepCost::Budget::fit(int p0, int max_n) const {
  if (max_n <= 0) return 0;
  if (kind_ == Kind::kUnlimited) return max_n;
  double n = 0;
  if (left_ > 0) {
    if (kind_ == Kind::kTokens) {
      n = left_;
    } else {
      // The largest n with c_token n + c_cell (n p0 + n (n + 1) / 2) <= left: the positive root
      // of (c_cell / 2) n^2 + (c_token + c_cell (p0 + 1/2)) n - left, in the form that does not
      // cancel when c_cell is small.
      const double qa = 0.5 * c_cell_, qb = c_token_ + c_cell_ * (p0 + 0.5);
      n = 2 * left_ / (qb + std::sqrt(qb * qb + 4 * qa * left_));
    }
  }
  if (kind_ == Kind::kSeconds) n = std::min(n, static_cast<double>(max_n_));
  if (n >= max_n) return max_n;
  const int k = static_cast<int>(std::floor(n));
  return first_ ? std::max(k, std::min(kMinChunk, max_n)) : k;
}

void StepCost::Budget::spend(int n, int p0) {
  first_ = false;
  if (kind_ == Kind::kTokens) left_ -= n;
  if (kind_ == Kind::kSeconds) left_ -= c_token_ * n + c_cell_ * cells(n, p0);
}

bool StepCost::Budget::has_room() const {
  // The step's first chunk always has room (fit gives it kMinChunk): when the margin reaches the
  // stall limit (noisy step times on a loaded machine) nothing else is left, and a waiting
  // prompt would otherwise wait until every stream had finished.
  return kind_ == Kind::kUnlimited || left_ > 0 || first_;
}

}  // namespace hearth::engine

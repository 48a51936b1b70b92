#include "sampler/candidates.hpp"

#include <algorithm>
#include <cmath>

#include "hearth/error.hpp"

namespace hearth {

void Candidates::reset(const float* logits, int n_vocab) {
  items_.clear();
  items_.reserve(static_cast<size_t>(n_vocab));
  for (int i = 0; i < n_vocab; ++i)
    if (logits[i] > -INFINITY) items_.push_back({logits[i], i});  // false for NaN too
  sorted_ = 0;
  if (items_.empty())
    fail(Status::kInvalidArgument, "every token is banned (all logits are -INFINITY or NaN)");
}

void Candidates::sort_prefix(size_t n) {
  n = std::min(n, items_.size());
  if (n <= sorted_) return;
  // items_[0..sorted_) already holds the best in order: sort the next ones out of the rest.
  const auto first = items_.begin() + static_cast<std::ptrdiff_t>(sorted_);
  std::partial_sort(first, items_.begin() + static_cast<std::ptrdiff_t>(n), items_.end(), before);
  sorted_ = n;
}

void Candidates::truncate(size_t n) {
  if (n >= items_.size()) return;
  items_.resize(std::max<size_t>(n, 1));
  sorted_ = std::min(sorted_, items_.size());
}

void Candidates::keep_at_least(float threshold) {
  size_t kept_sorted = 0, out = 0;
  for (size_t i = 0; i < items_.size(); ++i) {
    if (items_[i].logit < threshold) continue;
    if (i < sorted_) ++kept_sorted;
    items_[out++] = items_[i];
  }
  if (out == 0) return;  // cannot happen for threshold <= max_logit(); keep everything then
  items_.resize(out);
  // Kept sorted items are still the best in order: a dropped one means all later ones dropped.
  sorted_ = kept_sorted;
}

float Candidates::max_logit() const {
  return best().logit;
}

const Candidate& Candidates::best() const {
  if (sorted_ > 0) return items_[0];
  return *std::min_element(items_.begin(), items_.end(), before);
}

double Candidates::exp_sum() const {
  const double mx = max_logit();
  double sum = 0;
  for (const Candidate& c : items_) sum += std::exp(static_cast<double>(c.logit) - mx);
  return sum;
}

}  // namespace hearth

#include "sampler/truncation.hpp"

#include <algorithm>
#include <cmath>

namespace hearth {

void apply_top_k(Candidates& c, int k) {
  if (k <= 0 || static_cast<size_t>(k) >= c.size()) return;
  c.sort_prefix(static_cast<size_t>(k));
  c.truncate(static_cast<size_t>(k));
}

void apply_top_p(Candidates& c, float p) {
  if (p >= 1.0f || c.size() <= 1) return;
  const double mx = c.max_logit();
  const double target = static_cast<double>(p) * c.exp_sum();  // cumulative mass, unnormalised
  double cum = 0;
  size_t i = 0;
  for (size_t chunk = 64;; chunk *= 2) {
    c.sort_prefix(i + chunk);
    for (; i < c.sorted_prefix(); ++i) {
      cum += std::exp(static_cast<double>(c[i].logit) - mx);
      if (cum >= target) {
        c.truncate(i + 1);
        return;
      }
    }
    if (c.sorted_prefix() == c.size()) return;  // rounding: the whole set is the nucleus
  }
}

void apply_min_p(Candidates& c, float min_p) {
  if (min_p <= 0.0f || c.size() <= 1) return;
  // p(t) / p_max = exp(logit - max_logit) >= min_p.
  c.keep_at_least(c.max_logit() + std::log(min_p));
}

void apply_typical_p(Candidates& c, float p) {
  if (p >= 1.0f || c.size() <= 1) return;
  const double mx = c.max_logit();
  const double log_z = std::log(c.exp_sum());
  auto& items = c.items();
  // log p(t) = logit - mx - log Z; H = -sum p log p.
  std::vector<std::pair<double, size_t>> shifted(items.size());  // (|−log p − H|, index)
  std::vector<double> prob(items.size());
  double entropy = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    const double log_p = static_cast<double>(items[i].logit) - mx - log_z;
    prob[i] = std::exp(log_p);
    entropy -= prob[i] * log_p;
  }
  for (size_t i = 0; i < items.size(); ++i) {
    const double log_p = static_cast<double>(items[i].logit) - mx - log_z;
    shifted[i] = {std::fabs(-log_p - entropy), i};
  }
  // Ties by token id keep the order independent of how the candidates arrived.
  std::sort(shifted.begin(), shifted.end(), [&](const auto& a, const auto& b) {
    return a.first < b.first || (a.first == b.first && items[a.second].id < items[b.second].id);
  });
  std::vector<Candidate> kept;
  double cum = 0;
  for (const auto& [score, i] : shifted) {
    kept.push_back(items[i]);
    cum += prob[i];
    if (cum >= p) break;
  }
  items = std::move(kept);
  c.forget_order();
}

}  // namespace hearth

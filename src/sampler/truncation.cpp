#include "sampler/truncation.hpp"

#include <algorithm>
#include <cmath>

namespace hearth {

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
  // Ties by token id keep the order independent of how the candidates arrived. Like top-p,
  // sort only as far as the kept set reaches, in growing chunks.
  const auto closer = [&](const auto& a, const auto& b) {
    return a.first < b.first || (a.first == b.first && items[a.second].id < items[b.second].id);
  };
  std::vector<Candidate> kept;
  double cum = 0;
  size_t sorted = 0;
  for (size_t chunk = 64; kept.size() < shifted.size(); chunk *= 2) {
    const size_t end = std::min(shifted.size(), sorted + chunk);
    // Select the next chunk out of the rest (linear), then sort just it (see sort_prefix).
    const auto first = shifted.begin() + static_cast<std::ptrdiff_t>(sorted);
    const auto mid = shifted.begin() + static_cast<std::ptrdiff_t>(end);
    if (mid != shifted.end()) std::nth_element(first, mid - 1, shifted.end(), closer);
    std::sort(first, mid, closer);
    for (; sorted < end; ++sorted) {
      const size_t i = shifted[sorted].second;
      kept.push_back(items[i]);
      cum += prob[i];
      if (cum >= p) break;
    }
    if (cum >= p) break;
  }
  items = std::move(kept);
  c.forget_order();
}

}  // namespace hearth

#include "sampler/penalty_window.hpp"

#include "sampler/sampler_config.hpp"

namespace hearth {

void PenaltyWindow::accept(int32_t token) {
  if (last_n_ == 0) return;
  window_.push_back(token);
  ++counts_[token];
  if (last_n_ > 0 && window_.size() > static_cast<size_t>(last_n_)) {
    const int32_t old = window_.front();
    window_.pop_front();
    if (--counts_[old] == 0) counts_.erase(old);
  }
}

int PenaltyWindow::count(int32_t token) const {
  const auto it = counts_.find(token);
  return it == counts_.end() ? 0 : it->second;
}

void PenaltyWindow::apply(const SamplerConfig& c, float* logits, int n_vocab) const {
  if (penalties_off(c)) return;
  // Each token's change depends on its own count only, so the map's order does not matter.
  for (const auto& [token, n] : counts_) {
    if (token < 0 || token >= n_vocab) continue;
    float& l = logits[token];
    l = l > 0.0f ? l / c.repeat_penalty : l * c.repeat_penalty;
    l -= static_cast<float>(n) * c.frequency_penalty + c.presence_penalty;
  }
}

bool penalties_off(const SamplerConfig& c) {
  return c.repeat_penalty == 1.0f && c.frequency_penalty == 0.0f && c.presence_penalty == 0.0f;
}

}  // namespace hearth

#include "generate/sampler.hpp"

#include <algorithm>
#include <cmath>

namespace hearth {

int argmax(const float* logits, int n_vocab) {
  int best = 0;
  for (int i = 1; i < n_vocab; ++i)
    if (logits[i] > logits[best]) best = i;
  return best;
}

Sampler::Sampler(const SamplerConfig& config)
    : config_(config),
      rng_(config.seed == 0xFFFFFFFFFFFFFFFFull ? std::random_device{}() : config.seed) {}

int Sampler::sample(const float* logits, int n_vocab) {
  if (config_.temperature <= 0.0f) return argmax(logits, n_vocab);
  candidates_.resize(static_cast<size_t>(n_vocab));
  for (int i = 0; i < n_vocab; ++i) candidates_[i] = {logits[i], i};
  size_t n = candidates_.size();
  if (config_.top_k > 0 && static_cast<size_t>(config_.top_k) < n) {
    n = static_cast<size_t>(config_.top_k);
    std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(n),
                      candidates_.end(), [](const auto& a, const auto& b) {
                        return a.first > b.first || (a.first == b.first && a.second < b.second);
                      });
  }
  // softmax(logits / T) over the candidates, then one uniform draw.
  float mx = -INFINITY;
  for (size_t i = 0; i < n; ++i) mx = std::max(mx, candidates_[i].first);
  double sum = 0;
  std::vector<double> p(n);
  for (size_t i = 0; i < n; ++i) {
    p[i] = std::exp(static_cast<double>(candidates_[i].first - mx) / config_.temperature);
    sum += p[i];
  }
  const double r = std::uniform_real_distribution<double>(0.0, sum)(rng_);
  double acc = 0;
  for (size_t i = 0; i < n; ++i) {
    acc += p[i];
    if (r < acc) return candidates_[i].second;
  }
  return candidates_[n - 1].second;
}

}  // namespace hearth

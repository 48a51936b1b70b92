// Sampling cost per token over a Qwen2-sized vocabulary (151,936 logits) for the common chains:
// greedy, the C defaults (top-k 40, top-p 0.95, min-p 0.05, T 0.8) with and without a
// repetition penalty, temperature alone, and top-p / typical-p without a top-k (the worst case:
// a flat distribution whose nucleus spans most of the vocabulary).
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "sampler/sampler_chain.hpp"

namespace {

constexpr int kVocab = 151936;

// Irregular logits with a few dominant tokens in front, like a language model's.
const std::vector<float>& logits() {
  static const std::vector<float> l = [] {
    std::vector<float> v(kVocab);
    for (int i = 0; i < kVocab; ++i)
      v[static_cast<size_t>(i)] =
          static_cast<float>(4 * std::sin(i * 12.9898) + 10 * std::exp(-i / 50.0));
    return v;
  }();
  return l;
}

void BM_Sample(benchmark::State& state, hearth::SamplerConfig config) {
  config.seed = 1;
  hearth::Sampler sampler(config);
  for (int t = 0; t < 64; ++t) sampler.accept(t * 7);  // a penalty window's worth of history
  for (auto _ : state) benchmark::DoNotOptimize(sampler.sample(logits().data(), kVocab));
  state.SetItemsProcessed(state.iterations());
}

hearth::SamplerConfig with(float temperature, int top_k, float top_p, float min_p,
                           float typical_p = 1.0f, float repeat_penalty = 1.0f) {
  hearth::SamplerConfig c;
  c.temperature = temperature;
  c.top_k = top_k;
  c.top_p = top_p;
  c.min_p = min_p;
  c.typical_p = typical_p;
  c.repeat_penalty = repeat_penalty;
  return c;
}

BENCHMARK_CAPTURE(BM_Sample, greedy, with(0.0f, 0, 1.0f, 0.0f));
BENCHMARK_CAPTURE(BM_Sample, c_defaults, with(0.8f, 40, 0.95f, 0.05f));
BENCHMARK_CAPTURE(BM_Sample, c_defaults_penalty, with(0.8f, 40, 0.95f, 0.05f, 1.0f, 1.1f));
BENCHMARK_CAPTURE(BM_Sample, temperature_only, with(1.0f, 0, 1.0f, 0.0f));
BENCHMARK_CAPTURE(BM_Sample, top_p_only, with(1.0f, 0, 0.9f, 0.0f));
BENCHMARK_CAPTURE(BM_Sample, typical_only, with(1.0f, 0, 1.0f, 0.0f, 0.9f));

}  // namespace

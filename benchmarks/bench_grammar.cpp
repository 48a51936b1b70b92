// The grammar's cost per generated token on Qwen2's 151,936-token vocabulary
// (../shared/testdata/tokenizer/ggml-vocab-qwen2.gguf) for the nested JSON Schema in
// benchmarks/data/grammar_nested.schema.json, issue 14's target (<= 5% of a decode step; the
// decode itself is measured by `hearth bench --json-schema`, which reports both).
//
// A generation is replayed with fixed pseudo-random logits (what a random-weight model gives):
// each step the largest allowed logit wins, so the walk crosses every part of the schema.
//   GrammarMask:     the whole vocabulary masked at every step, then accept (llama.cpp's way)
//   GrammarSampler:  Sampler::sample + accept (checks the unconstrained choice first)
// Counters: s_per_token (per generated token, a fresh grammar state per generation: the
// first visit of every state is paid), tokens (per generation).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "grammar/grammar_state.hpp"
#include "grammar/json_schema.hpp"
#include "hearth/gguf.hpp"
#include "hearth/tokenizer.hpp"
#include "sampler/sampler_chain.hpp"

namespace {

constexpr int kMaxTokens = 256;

struct Fixture {
  std::shared_ptr<const hearth::Tokenizer> tok;
  std::string grammar;
  std::vector<std::vector<float>> logits;  // per step
  std::string error;
};

std::vector<float> random_logits(uint64_t& x, int n) {
  std::vector<float> v(static_cast<size_t>(n));
  for (float& f : v) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    f = static_cast<float>(x >> 40) / static_cast<float>(1 << 24) * 8.0f;
  }
  return v;
}

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture fx;
    const char* env = std::getenv("HEARTH_TEST_DATA");
    const std::string vocab =
        std::string(env ? env : HEARTH_BENCH_DATA) + "/testdata/tokenizer/ggml-vocab-qwen2.gguf";
    const std::string schema =
        (std::filesystem::path(__FILE__).parent_path() / "data" / "grammar_nested.schema.json")
            .string();
    try {
      fx.tok = hearth::Tokenizer::from_gguf(*hearth::GgufFile::open(vocab));
      std::ifstream in(schema);
      std::stringstream ss;
      ss << in.rdbuf();
      fx.grammar = hearth::grammar::json_schema_to_gbnf(ss.str());
    } catch (const std::exception& e) {
      fx.error = e.what();
      return fx;
    }
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < kMaxTokens; ++i) fx.logits.push_back(random_logits(x, fx.tok->n_vocab()));
    return fx;
  }();
  return f;
}

int32_t argmax(const std::vector<float>& v) {
  int32_t best = 0;
  for (int32_t i = 1; i < static_cast<int32_t>(v.size()); ++i)
    if (v[static_cast<size_t>(i)] > v[static_cast<size_t>(best)]) best = i;
  return best;
}

void BM_GrammarMask(benchmark::State& state) {
  const Fixture& f = fixture();
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  const auto trie = hearth::grammar::TokenTrie::for_tokenizer(*f.tok);
  const hearth::grammar::Grammar g = hearth::grammar::parse_gbnf(f.grammar);
  std::vector<float> work;
  size_t tokens = 0, per_gen = 0;
  for (auto _ : state) {
    hearth::grammar::GrammarState gs(g, trie);
    per_gen = 0;
    for (const auto& lg : f.logits) {
      work = lg;
      gs.apply(work.data(), static_cast<int>(work.size()));
      const int32_t t = argmax(work);
      ++per_gen;
      if (f.tok->is_eog(t)) break;
      gs.accept(t);
    }
    tokens += per_gen;
  }
  state.counters["tokens"] = static_cast<double>(per_gen);
  state.counters["s_per_token"] = benchmark::Counter(
      static_cast<double>(tokens), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_GrammarSampler(benchmark::State& state) {
  const Fixture& f = fixture();
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  hearth::SamplerConfig config;
  config.grammar = f.grammar;
  // Held for the whole run, as a loaded model's users hold it: built once per vocabulary.
  const auto trie = hearth::grammar::TokenTrie::for_tokenizer(*f.tok);
  size_t tokens = 0, per_gen = 0;
  for (auto _ : state) {
    hearth::Sampler s(config, f.tok.get());
    per_gen = 0;
    for (const auto& lg : f.logits) {
      const int32_t t = s.sample(lg.data(), static_cast<int>(lg.size()));
      ++per_gen;
      if (f.tok->is_eog(t)) break;
      s.accept(t);
    }
    tokens += per_gen;
  }
  state.counters["tokens"] = static_cast<double>(per_gen);
  state.counters["s_per_token"] = benchmark::Counter(
      static_cast<double>(tokens), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

}  // namespace

BENCHMARK(BM_GrammarMask)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GrammarSampler)->Unit(benchmark::kMillisecond);

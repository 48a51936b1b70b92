// The streaming output filter (src/safety/) at strict with a 1,000-rule set (900 terms, 100
// regular expressions): the cost of one OutputGuard::feed per generated piece, to compare with
// a decode step (issue 17 target: <= 2% of decode time).
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "safety/filter.hpp"

namespace {

std::string word(std::mt19937& rng, int len) {
  std::string w;
  for (int i = 0; i < len; ++i) w += static_cast<char>('a' + rng() % 26);
  return w;
}

std::shared_ptr<const hearth::safety::RuleSet> thousand_rules() {
  std::mt19937 rng(42);
  std::string text;
  for (int i = 0; i < 900; ++i)
    text += "strict cat" + std::to_string(i % 20) + " term " + word(rng, 5 + rng() % 6) + " " +
            word(rng, 4 + rng() % 5) + "\n";
  for (int i = 0; i < 100; ++i)
    text += "strict re" + std::to_string(i % 10) + " regex \\b" + word(rng, 4) +
            "\\s+(?:" + word(rng, 3) + "|" + word(rng, 5) + ")\\w*\\b\n";
  return hearth::safety::RuleSet::parse(text, "bench");
}

// Ordinary prose in token-sized pieces (~4 bytes, as BPE vocabularies produce).
std::vector<std::string> pieces() {
  const std::string text =
      "Once upon a time, in a small village by the sea, there lived a girl named Lily. Every "
      "morning she walked to the harbour to watch the fishing boats come in, and every evening "
      "she told her grandmother what she had seen. One day a storm rolled over the hills and ";
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size(); i += 4) out.push_back(text.substr(i, 4));
  return out;
}

void BM_OutputGuardPerPiece(benchmark::State& state) {
  hearth::safety::FilterConfig c;
  c.level = static_cast<hearth::safety::Level>(state.range(0));
  c.rules = thousand_rules();
  const hearth::safety::ContentFilter filter(c);
  const auto ps = pieces();
  size_t n = 0;
  for (auto _ : state) {
    hearth::safety::OutputGuard g(filter);
    for (const auto& p : ps) benchmark::DoNotOptimize(g.feed(p).release.size());
    benchmark::DoNotOptimize(g.finish().release.size());
    n += ps.size();
  }
  // Time per piece, as a rate: items = pieces.
  state.SetItemsProcessed(static_cast<int64_t>(n));
}
BENCHMARK(BM_OutputGuardPerPiece)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond);

void BM_InputCheck(benchmark::State& state) {
  hearth::safety::FilterConfig c;
  c.level = hearth::safety::Level::kStrict;
  c.rules = thousand_rules();
  const hearth::safety::ContentFilter filter(c);
  std::string msg;
  for (const auto& p : pieces()) msg += p;
  for (auto _ : state) benchmark::DoNotOptimize(filter.check(msg).blocked);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * msg.size()));
}
BENCHMARK(BM_InputCheck)->Unit(benchmark::kMicrosecond);

}  // namespace

// The sampling chain on fixed logits: each stage against hand-computed sets and values, the
// draw against softmax(logits / T) with a chi-square bound, seeds, validation, and thread-count
// independence of seeded generation on a real model.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "generate/generate.hpp"
#include "hearth/context.hpp"
#include "hearth/error.hpp"
#include "sampler/sampler_chain.hpp"
#include "sampler/truncation.hpp"
#include "test_data.hpp"

namespace hearth {
namespace {

// Token id -> probability, placed at shuffled ids so that no stage can rely on id order:
// p(3) = 0.5, p(0) = 0.2, p(4) = 0.15, p(1) = 0.1, p(2) = 0.05.
std::vector<float> five_logits() {
  return {std::log(0.2f), std::log(0.1f), std::log(0.05f), std::log(0.5f), std::log(0.15f)};
}

std::set<int> ids_of(const Candidates& c) {
  std::set<int> s;
  for (size_t i = 0; i < c.size(); ++i) s.insert(c[i].id);
  return s;
}

std::set<int> survivors(SamplerConfig config, const std::vector<float>& logits) {
  if (config.temperature == 0.0f) config.temperature = 1.0f;
  Sampler s(config);
  return ids_of(s.candidates(logits.data(), static_cast<int>(logits.size())));
}

std::vector<int> draws(const SamplerConfig& config, const std::vector<float>& logits, int n) {
  Sampler s(config);
  std::vector<int> out;
  for (int i = 0; i < n; ++i)
    out.push_back(s.sample(logits.data(), static_cast<int>(logits.size())));
  return out;
}

// A 1000-token vocabulary with distinct, irregular logits.
std::vector<float> wide_logits(int n = 1000) {
  std::vector<float> l(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    l[static_cast<size_t>(i)] = static_cast<float>(3 * std::sin(i * 12.9898));
  return l;
}

TEST(Sampler, RngMatchesAnIndependentXoshiroImplementation) {
  // Values from a separate Python implementation of splitmix64 + xoshiro256** (seed 42).
  SamplerRng rng(42);
  EXPECT_EQ(rng.next_u64(), 0x15780b2e0c2ec716ull);
  EXPECT_EQ(rng.next_u64(), 0x6104d9866d113a7eull);
  EXPECT_DOUBLE_EQ(rng.next_unit(), 0.6800434110281394);
  // So the draw itself is pinned: two equal logits, u = 0.0839, 0.3790, 0.6800 -> 0, 0, 1.
  SamplerConfig c;
  c.temperature = 1.0f;
  c.seed = 42;
  EXPECT_EQ(draws(c, {0.0f, 0.0f}, 3), (std::vector<int>{0, 0, 1}));
}

TEST(Sampler, TemperatureZeroIsArgmax) {
  const auto l = wide_logits();
  const int best = static_cast<int>(std::max_element(l.begin(), l.end()) - l.begin());
  SamplerConfig c;  // temperature 0
  c.top_k = 5;
  c.top_p = 0.5f;
  c.min_p = 0.2f;
  EXPECT_EQ(draws(c, l, 5), std::vector<int>(5, best));
  const float ties[4] = {0.5f, 3.0f, 3.0f, -1.0f};
  EXPECT_EQ(argmax(ties, 4), 1);  // the first of equal maxima, like llama.cpp
  EXPECT_EQ(draws(SamplerConfig{}, {0.5f, 3.0f, 3.0f, -1.0f}, 1)[0], 1);
}

// The vectorized argmax against its definition, the scalar scan (best = 0; i >= 1 replaces it
// when logits[i] > logits[best]), on vectors with many equal values, +0 and -0, infinities and
// NaN (first or elsewhere), at lengths around the vector widths and at a real vocabulary's.
TEST(Sampler, ArgmaxMatchesTheScalarScan) {
  auto scan = [](const std::vector<float>& x) {
    int best = 0;
    for (int i = 1; i < static_cast<int>(x.size()); ++i)
      if (x[i] > x[best]) best = i;
    return best;
  };
  std::mt19937 rng(7);
  const float specials[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 3.0f, -2.0f};
  std::vector<int> sizes;
  for (int n = 1; n <= 70; ++n) sizes.push_back(n);
  sizes.push_back(151936);
  int checked = 0;
  for (int n : sizes)
    for (int round = 0; round < 40; ++round) {
      std::vector<float> x(static_cast<size_t>(n));
      const int kind = round % 4;  // few distinct values (ties), specials, or normal values
      for (auto& v : x) {
        const uint32_t r = rng();
        if (kind == 0)
          v = static_cast<float>(static_cast<int>(r % 5)) - 6.0f;
        else if (kind == 1)
          v = specials[r % 7];
        else
          v = static_cast<float>(static_cast<int32_t>(r)) * 1e-9f;
      }
      if (kind == 3) x[rng() % x.size()] = NAN;  // one NaN, sometimes the first
      ASSERT_EQ(argmax(x.data(), n), scan(x)) << "n " << n << " round " << round;
      ++checked;
    }
  const float nan_first[5] = {NAN, 1.0f, 2.0f, 3.0f, 4.0f};
  EXPECT_EQ(argmax(nan_first, 5), 0);
  const float zeros[3] = {-1.0f, -0.0f, 0.0f};
  EXPECT_EQ(argmax(zeros, 3), 1);
  EXPECT_GT(checked, 2000);
}

TEST(Sampler, TopKNeverLeavesTheKLargest) {
  const auto l = wide_logits();
  std::vector<int> order(l.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return l[a] > l[b]; });
  const std::set<int> top10(order.begin(), order.begin() + 10);
  SamplerConfig c;
  c.temperature = 3.0f;  // flat enough that all ten come up
  c.top_k = 10;
  c.seed = 1;
  std::set<int> seen;
  for (int t : draws(c, l, 4000)) {
    ASSERT_TRUE(top10.count(t)) << t;
    seen.insert(t);
  }
  EXPECT_EQ(seen, top10);
  c.top_k = 2000;  // k beyond the vocabulary: off
  EXPECT_EQ(survivors(c, l).size(), l.size());
}

TEST(Sampler, TopPKeepsTheSmallestNucleus) {
  SamplerConfig c;
  c.top_p = 0.8f;  // 0.5 + 0.2 = 0.7 < 0.8 <= 0.85
  EXPECT_EQ(survivors(c, five_logits()), (std::set<int>{3, 0, 4}));
  c.top_p = 0.69f;
  EXPECT_EQ(survivors(c, five_logits()), (std::set<int>{3, 0}));
  c.top_p = 0.4f;
  EXPECT_EQ(survivors(c, five_logits()), (std::set<int>{3}));
  c.top_p = 1.0f;
  EXPECT_EQ(survivors(c, five_logits()).size(), 5u);
  // Many draws stay inside the nucleus.
  c.top_p = 0.8f;
  c.temperature = 1.0f;
  c.seed = 9;
  for (int t : draws(c, five_logits(), 2000)) ASSERT_TRUE(t == 3 || t == 0 || t == 4) << t;
  // A nucleus far past the first sorted chunk: 1000 equal logits, p = 0.5 -> exactly 500.
  c.top_p = 0.5f;
  EXPECT_EQ(survivors(c, std::vector<float>(1000, 0.0f)).size(), 500u);
}

TEST(Sampler, MinPCutsBelowAFractionOfTheBest) {
  SamplerConfig c;
  c.min_p = 0.25f;  // threshold 0.125: 0.5, 0.2, 0.15 stay
  EXPECT_EQ(survivors(c, five_logits()), (std::set<int>{3, 0, 4}));
  c.min_p = 0.35f;  // threshold 0.175
  EXPECT_EQ(survivors(c, five_logits()), (std::set<int>{3, 0}));
  c.min_p = 1.0f;
  EXPECT_EQ(survivors(c, five_logits()), (std::set<int>{3}));
}

TEST(Sampler, TypicalPKeepsTheTokensClosestToTheEntropy) {
  // H = 1.33307; |-ln p - H| = 0.640 (p .5), 0.276 (p .2), 0.564 (p .15), 0.970 (p .1),
  // 1.663 (p .05): typical order 0.2, 0.15, 0.5, 0.1, 0.05 (cumulative .2 .35 .85 .95 1).
  SamplerConfig c;
  c.typical_p = 0.3f;
  EXPECT_EQ(survivors(c, five_logits()), (std::set<int>{0, 4}));
  c.typical_p = 0.5f;
  EXPECT_EQ(survivors(c, five_logits()), (std::set<int>{0, 4, 3}));
  c.typical_p = 0.9f;
  EXPECT_EQ(survivors(c, five_logits()), (std::set<int>{0, 4, 3, 1}));
  // It may drop the most likely token, so greedy then picks the best typical one.
  SamplerConfig g;
  g.typical_p = 0.3f;
  EXPECT_EQ(draws(g, five_logits(), 1)[0], 0);
}

TEST(Sampler, DrawFrequenciesMatchSoftmaxOverTemperature) {
  const std::vector<float> l = {1.0f, 0.0f, -0.5f, 2.0f};
  // softmax(l / 0.7), from a separate computation.
  const double want[4] = {0.18084150334690172, 0.04333885370877386, 0.021216174367889168,
                          0.7546034685764353};
  SamplerConfig c;
  c.temperature = 0.7f;
  c.seed = 123;
  const int n = 20000;
  int count[4] = {0, 0, 0, 0};
  for (int t : draws(c, l, n)) ++count[t];
  double chi2 = 0;
  for (int i = 0; i < 4; ++i) chi2 += std::pow(count[i] - n * want[i], 2) / (n * want[i]);
  EXPECT_LT(chi2, 30.7) << "chi-square, 3 degrees of freedom, p = 1e-6";
  // softmax(l) (temperature ignored) would be far off: its p(3) is 0.631.
  EXPECT_NEAR(count[3] / double(n), want[3], 0.015);
}

TEST(Sampler, PenaltiesChangeLogitsByHandComputedAmounts) {
  const std::vector<float> l = {2.0f, -1.0f, 0.5f, 3.0f};
  SamplerConfig c;
  c.temperature = 1.0f;
  c.repeat_penalty = 2.0f;
  c.frequency_penalty = 0.5f;
  c.presence_penalty = 0.25f;
  c.penalty_last_n = 3;
  Sampler s(c);
  for (int t : {2, 0, 1, 1}) s.accept(t);  // the window keeps 0, 1, 1: token 2 slid out
  std::map<int, float> got;
  const Candidates& cand = s.candidates(l.data(), 4);
  for (size_t i = 0; i < cand.size(); ++i) got[cand[i].id] = cand[i].logit;
  EXPECT_FLOAT_EQ(got[0], 2.0f / 2 - 0.5f - 0.25f);       // positive: divided; seen once
  EXPECT_FLOAT_EQ(got[1], -1.0f * 2 - 2 * 0.5f - 0.25f);  // negative: multiplied; twice
  EXPECT_FLOAT_EQ(got[2], 0.5f);
  EXPECT_FLOAT_EQ(got[3], 3.0f);
  c.penalty_last_n = -1;  // the whole history: token 2 is penalised too
  Sampler all(c);
  for (int t : {2, 0, 1, 1}) all.accept(t);
  const Candidates& ca = all.candidates(l.data(), 4);
  for (size_t i = 0; i < ca.size(); ++i) {
    if (ca[i].id == 2) {
      EXPECT_FLOAT_EQ(ca[i].logit, 0.5f / 2 - 0.5f - 0.25f);
    }
  }
  c.penalty_last_n = 0;  // off
  Sampler off(c);
  for (int t : {2, 0, 1, 1}) off.accept(t);
  EXPECT_EQ(off.history().size(), 0u);
  EXPECT_FLOAT_EQ(off.candidates(l.data(), 4)[0].logit, 2.0f);
}

TEST(Sampler, LogitBiasBansAndBoosts) {
  const auto l = wide_logits();
  const int best = static_cast<int>(std::max_element(l.begin(), l.end()) - l.begin());
  SamplerConfig c;
  c.temperature = 0.3f;  // the best token would dominate the draws
  c.seed = 5;
  c.logit_bias = {{best, -INFINITY}};
  for (int t : draws(c, l, 2000)) ASSERT_NE(t, best);
  SamplerConfig g;
  g.logit_bias = {{17, 100.0f}};
  EXPECT_EQ(draws(g, l, 1)[0], 17);
  g.logit_bias = {{17, 50.0f}, {17, 50.0f}};  // entries for one token add up
  EXPECT_EQ(draws(g, l, 1)[0], 17);
  // A bias that overflows to +INFINITY still samples that token (no NaN softmax).
  SamplerConfig huge;
  huge.temperature = 1.0f;
  huge.seed = 3;
  huge.logit_bias = {{17, 3e38f}, {17, 3e38f}};
  EXPECT_EQ(draws(huge, l, 20), std::vector<int>(20, 17));
  // Everything banned is an error, not a crash.
  SamplerConfig all;
  for (int i = 0; i < 3; ++i) all.logit_bias.push_back({i, -INFINITY});
  Sampler s(all);
  const float three[3] = {1, 2, 3};
  EXPECT_THROW(s.sample(three, 3), Error);
  // A bias token beyond the vocabulary that sample() is given.
  SamplerConfig far;
  far.logit_bias = {{5, 1.0f}};
  Sampler f(far);
  EXPECT_THROW(f.sample(three, 3), Error);
}

TEST(Sampler, SeedsReproduceAndDiffer) {
  SamplerConfig c;
  c.temperature = 1.0f;
  c.top_k = 50;
  c.top_p = 0.95f;
  c.seed = 777;
  const auto l = wide_logits();
  EXPECT_EQ(draws(c, l, 200), draws(c, l, 200));
  auto other = c;
  other.seed = 778;
  EXPECT_NE(draws(c, l, 200), draws(other, l, 200));
  auto random = c;
  random.seed = kRandomSeed;
  Sampler a(random), b(random);
  EXPECT_NE(a.seed(), kRandomSeed);
  EXPECT_NE(a.seed(), b.seed());
  auto replay = c;
  replay.seed = a.seed();  // the effective seed replays a random run
  Sampler r(replay);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(a.sample(l.data(), 1000), r.sample(l.data(), 1000));
}

TEST(Sampler, TopKDoesNotSortTheWholeVocabulary) {
  const auto l = wide_logits(150000);
  SamplerConfig c;
  c.temperature = 1.0f;
  c.top_k = 40;
  Sampler s(c);
  const Candidates& k = s.candidates(l.data(), 150000);
  EXPECT_EQ(k.size(), 40u);
  EXPECT_LE(k.sorted_prefix(), 40u);
  // A peaked distribution's nucleus is found without sorting far.
  auto peaked = l;
  for (int i = 0; i < 10; ++i) peaked[static_cast<size_t>(i * 1000)] = 40.0f;
  SamplerConfig p;
  p.temperature = 1.0f;
  p.top_p = 0.95f;  // 9 peaks hold 0.9 of the mass, all 10 are needed
  Sampler sp(p);
  const Candidates& n = sp.candidates(peaked.data(), 150000);
  EXPECT_EQ(n.size(), 10u);
  EXPECT_LE(n.sorted_prefix(), 64u);
}

void expect_invalid(const SamplerConfig& c, const std::string& field) {
  try {
    validate_sampler_config(c, 100);
    ADD_FAILURE() << "accepted a bad " << field;
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
  }
}

TEST(Sampler, ValidationNamesTheField) {
  const float nan = std::nanf("");
  auto with = [](auto edit) {
    SamplerConfig c;
    edit(c);
    return c;
  };
  EXPECT_NO_THROW(validate_sampler_config(SamplerConfig{}, 100));
  expect_invalid(with([](SamplerConfig& c) { c.temperature = -0.1f; }), "temperature");
  expect_invalid(with([&](SamplerConfig& c) { c.temperature = nan; }), "temperature");
  expect_invalid(with([](SamplerConfig& c) { c.top_k = -1; }), "top_k");
  expect_invalid(with([](SamplerConfig& c) { c.top_p = 0.0f; }), "top_p");
  expect_invalid(with([](SamplerConfig& c) { c.top_p = 1.01f; }), "top_p");
  expect_invalid(with([&](SamplerConfig& c) { c.top_p = nan; }), "top_p");
  expect_invalid(with([](SamplerConfig& c) { c.min_p = -0.01f; }), "min_p");
  expect_invalid(with([](SamplerConfig& c) { c.min_p = 1.5f; }), "min_p");
  expect_invalid(with([](SamplerConfig& c) { c.typical_p = 0.0f; }), "typical_p");
  expect_invalid(with([](SamplerConfig& c) { c.typical_p = 2.0f; }), "typical_p");
  expect_invalid(with([](SamplerConfig& c) { c.repeat_penalty = 0.0f; }), "repeat_penalty");
  expect_invalid(with([&](SamplerConfig& c) { c.repeat_penalty = nan; }), "repeat_penalty");
  expect_invalid(with([&](SamplerConfig& c) { c.frequency_penalty = nan; }), "frequency_penalty");
  expect_invalid(with([](SamplerConfig& c) { c.presence_penalty = INFINITY; }), "presence_penalty");
  expect_invalid(with([](SamplerConfig& c) { c.penalty_last_n = -2; }), "penalty_last_n");
  expect_invalid(with([](SamplerConfig& c) { c.logit_bias = {{100, 1.0f}}; }), "logit_bias[0]");
  expect_invalid(with([](SamplerConfig& c) {
                   c.logit_bias = {{1, 0}, {-1, 1.0f}};
                 }),
                 "logit_bias[1]");
  expect_invalid(with([&](SamplerConfig& c) { c.logit_bias = {{1, nan}}; }), "logit_bias[0]");
  expect_invalid(with([](SamplerConfig& c) { c.logit_bias = {{1, INFINITY}}; }), "logit_bias[0]");
  EXPECT_NO_THROW(validate_sampler_config(with([](SamplerConfig& c) {
                                            c.logit_bias = {{99, -INFINITY}};
                                          }),
                                          100));
  EXPECT_THROW(Sampler(with([](SamplerConfig& c) { c.top_p = 3.0f; })), Error);
}

TEST(Sampler, GenerationPenalisesThePromptTheHistoryAndItsOwnTokens) {
  const std::string path = test::data_path("models/real/stories260K.gguf");
  HEARTH_REQUIRE_DATA(path);
  auto model = Model::load(GgufFile::open(path));
  const std::vector<int32_t> prompt = {1, 403, 407, 261, 378};
  auto run = [&](std::vector<int32_t> history, float presence) {
    ContextParams params;
    params.n_ctx = 64;
    params.n_threads = 1;
    Context ctx(model, params);
    GenerateOptions opt;
    opt.max_tokens = 30;
    opt.sampler.presence_penalty = presence;  // greedy: the penalty alone steers the choice
    opt.sampler.penalty_last_n = -1;
    opt.history = std::move(history);
    return generate(ctx, prompt.data(), prompt.size(), opt).tokens;
  };
  const auto plain = run({}, 0.0f);
  ASSERT_EQ(plain[0], 432);  // llama.cpp's greedy first token (",")
  EXPECT_NE(std::set<int>(plain.begin(), plain.end()).size(), plain.size());  // it repeats
  EXPECT_NE(std::find(plain.begin(), plain.end(), 261), plain.end());         // " a", in the prompt
  const auto penalised = run({}, 100.0f);
  std::set<int> seen(prompt.begin(), prompt.end());
  for (int t : penalised) EXPECT_TRUE(seen.insert(t).second) << t << " came again";
  EXPECT_NE(run({432}, 100.0f)[0], 432);  // the given history counts too
}

TEST(Sampler, SeededGenerationIsIndependentOfThreadCount) {
  const std::string path = test::data_path("models/real/stories260K.gguf");
  HEARTH_REQUIRE_DATA(path);
  auto model = Model::load(GgufFile::open(path));
  const std::vector<int32_t> prompt = {1, 403, 407, 261, 378};
  auto run = [&](int threads, uint64_t seed) {
    ContextParams params;
    params.n_ctx = 128;
    params.n_threads = threads;
    Context ctx(model, params);
    GenerateOptions opt;
    opt.max_tokens = 48;
    SamplerConfig& s = opt.sampler;
    s.temperature = 1.1f;  // every stage on
    s.top_k = 40;
    s.top_p = 0.95f;
    s.min_p = 0.02f;
    s.typical_p = 0.97f;
    s.repeat_penalty = 1.1f;
    s.frequency_penalty = 0.1f;
    s.presence_penalty = 0.1f;
    s.penalty_last_n = 32;
    s.logit_bias = {{426, -INFINITY}, {338, 0.5f}};
    s.seed = seed;
    const GenerateResult r = generate(ctx, prompt.data(), prompt.size(), opt);
    EXPECT_EQ(r.seed, seed);
    for (int t : r.tokens) EXPECT_NE(t, 426);
    return r.tokens;
  };
  const auto one = run(1, 2024);
  EXPECT_GE(one.size(), 10u);
  EXPECT_EQ(one, run(2, 2024));
  EXPECT_NE(one, run(1, 2025));
}

}  // namespace
}  // namespace hearth

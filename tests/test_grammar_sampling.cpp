// Sampling at a temperature under a grammar (sampler_chain.hpp): with a truncation stage
// Sampler::sample draws without the grammar first and masks only when the grammar rejects that
// token; without one it masks first. These tests pin what distribution that gives, against
// probabilities computed here by hand (std::exp over the few tokens in play), from many seeded
// draws on Qwen2's vocabulary:
//   - no truncation stage: exactly the mask-first distribution, q(t) / Q over the allowed tokens;
//   - with top-k: q_K(t) [t allowed] + (1 - Q_K) m(t), llama.cpp's common_sampler mixture.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "grammar/token_trie.hpp"
#include "hearth/gguf.hpp"
#include "hearth/tokenizer.hpp"
#include "sampler/sampler_chain.hpp"
#include "test_data.hpp"

namespace hearth {
namespace {

constexpr int kDraws = 40000;

struct Fixture {
  std::shared_ptr<const Tokenizer> tok;
  std::map<char, int32_t> id;  // the single-letter tokens "a".."f"
  std::vector<float> logits;   // -INFINITY except a..f, cut after the last of them (a short
                               // logits array keeps 2 x 40000 draws fast; the rest would be
                               // -INFINITY anyway)
};

// a, b, c are allowed (the grammar below), d, e, f are not; d and e are the model's favourites,
// so most unconstrained draws are rejected and the masked redraw is what is measured.
const std::map<char, float> kLogits = {{'a', 1.0f}, {'b', 0.5f}, {'c', 0.0f},
                                       {'d', 2.0f}, {'e', 1.5f}, {'f', -1.0f}};
constexpr const char* kGrammar = "root ::= [abc] [a-z]*";

Fixture make_fixture() {
  Fixture s;
  s.tok = Tokenizer::from_gguf(
      *GgufFile::open(test::data_path("testdata/tokenizer/ggml-vocab-qwen2.gguf")));
  const auto trie = grammar::TokenTrie::for_tokenizer(*s.tok);
  for (int32_t t = 0; t < s.tok->n_vocab(); ++t) {
    const std::string& b = trie->bytes(t);
    if (b.size() == 1 && b[0] >= 'a' && b[0] <= 'f') s.id[b[0]] = t;
  }
  int32_t last = 0;
  for (const auto& [c, t] : s.id) last = std::max(last, t);
  s.logits.assign(static_cast<size_t>(last) + 1, -INFINITY);
  for (const auto& [c, l] : kLogits) s.logits[static_cast<size_t>(s.id.at(c))] = l;
  return s;
}

// Frequencies of a..f over kDraws draws from the grammar's first step (nothing accepted).
std::map<char, double> frequencies(const Fixture& s, SamplerConfig config) {
  config.grammar = kGrammar;
  config.temperature = 1.0f;
  config.seed = 1234;
  Sampler sampler(config, s.tok.get());
  std::map<char, double> f;
  for (int i = 0; i < kDraws; ++i) {
    const int t = sampler.sample(s.logits.data(), static_cast<int>(s.logits.size()));
    char c = '?';
    for (const auto& [ch, id] : s.id)
      if (id == t) c = ch;
    f[c] += 1.0 / kDraws;
  }
  return f;
}

// softmax of kLogits over `letters`.
std::map<char, double> softmax(const std::string& letters) {
  double z = 0;
  for (char c : letters) z += std::exp(static_cast<double>(kLogits.at(c)));
  std::map<char, double> p;
  for (char c : letters) p[c] = std::exp(static_cast<double>(kLogits.at(c))) / z;
  return p;
}

void expect_close(const std::map<char, double>& got, const std::map<char, double>& want) {
  for (char c : std::string("abcdef?")) {
    const double w = want.count(c) ? want.at(c) : 0.0;
    const double g = got.count(c) ? got.at(c) : 0.0;
    const double sigma = std::sqrt(std::max(w * (1 - w), 1e-12) / kDraws);
    EXPECT_NEAR(g, w, 5 * sigma + 1e-9) << "token '" << c << "'";
  }
}

TEST(GrammarSampling, WithoutTruncationTheDistributionIsTheMaskedOne) {
  HEARTH_REQUIRE_DATA(test::data_path("testdata/tokenizer/ggml-vocab-qwen2.gguf"));
  const Fixture s = make_fixture();
  ASSERT_EQ(s.id.size(), 6u);
  // Mask first: the softmax over the allowed tokens alone.
  expect_close(frequencies(s, SamplerConfig{}), softmax("abc"));
}

TEST(GrammarSampling, WithTopKTheDistributionIsTheDocumentedMixture) {
  HEARTH_REQUIRE_DATA(test::data_path("testdata/tokenizer/ggml-vocab-qwen2.gguf"));
  const Fixture s = make_fixture();
  ASSERT_EQ(s.id.size(), 6u);
  SamplerConfig config;
  config.top_k = 3;
  // Unmasked top-3: d, e, a; allowed among them: a, with mass Q. Masked top-3: a, b, c.
  const std::map<char, double> q = softmax("dea"), m = softmax("abc");
  const double rejected = 1 - q.at('a');
  const std::map<char, double> want = {{'a', q.at('a') + rejected * m.at('a')},
                                       {'b', rejected * m.at('b')},
                                       {'c', rejected * m.at('c')}};
  ASSERT_GT(std::fabs(want.at('a') - m.at('a')), 0.05);  // differs from masking first
  expect_close(frequencies(s, config), want);
}

}  // namespace
}  // namespace hearth

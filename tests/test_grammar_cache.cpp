// The grammar's caches change no mask: along long randomized walks on Qwen2's 151,936-token
// byte-level vocabulary (multi-byte characters split across tokens), a GrammarState with its
// caches (the per-state mask cache, here small so that its least-recently-used eviction runs
// all along, and merged matcher states) must allow exactly the tokens that the plain
// computation (GrammarState(..., 0): every mask a fresh trie walk over unmerged states) allows, at
// every step, for every grammar of tests/data/grammars/, every schema of tests/data/schemas/ and
// the benchmark's nested schema; and every fifth step the mask must agree, token by token, with
// GrammarState::allows (each token's bytes stepped through the matcher without the trie). The walk
// mixes the greedy choice under pseudo-random logits (what a random-weight model does: it crosses
// the whole structure) with uniform choices among the allowed tokens (odd tokens, partial UTF-8).
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "grammar/grammar_state.hpp"
#include "grammar/json_schema.hpp"
#include "hearth/gguf.hpp"
#include "hearth/tokenizer.hpp"
#include "sampler/sampler_chain.hpp"
#include "test_data.hpp"

namespace hearth {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

uint64_t next(uint64_t& x) {
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return x;
}

// The token's bytes end inside a multi-byte UTF-8 sequence (the next token must finish it).
bool ends_partial(const std::string& b) {
  for (size_t back = 1; back <= 4 && back <= b.size(); ++back) {
    const auto c = static_cast<unsigned char>(b[b.size() - back]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte: look further back
    const size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return len > back;
  }
  return false;
}

// Modes, one step in eight each: a uniformly drawn allowed token (odd tokens); one that ends
// inside a UTF-8 sequence (the pending bytes carried into the next token); two in eight, one
// with ASCII punctuation or whitespace in it (closes strings, crosses separators: the walk
// gets through the structure instead of staying in a word or a string); otherwise the allowed
// token with the largest pseudo-random score (a random-weight model's greedy choice). A mode
// with no such token falls back to the score.
int32_t choose(const std::vector<uint64_t>& bits, const grammar::TokenTrie& trie, uint64_t& rng) {
  const uint64_t mode = next(rng) % 8;
  const uint64_t salt = next(rng);
  auto structural = [&](int32_t t) {
    for (unsigned char c : trie.bytes(t))
      if (c < 0x80 && !std::isalnum(c)) return true;
    return false;
  };
  std::vector<int32_t> pool;
  int32_t best = -1;
  uint64_t best_score = 0;
  for (size_t w = 0; w < bits.size(); ++w) {
    for (uint64_t word = bits[w]; word != 0; word &= word - 1) {
      const auto t = static_cast<int32_t>(w * 64 + static_cast<size_t>(__builtin_ctzll(word)));
      if (mode == 0 || (mode == 1 && ends_partial(trie.bytes(t))) ||
          ((mode == 2 || mode == 3) && structural(t)))
        pool.push_back(t);
      uint64_t h = (static_cast<uint64_t>(t) + 1) * 0x9E3779B97F4A7C15ull ^ salt;
      h ^= h >> 29;
      h *= 0xBF58476D1CE4E5B9ull;
      h ^= h >> 32;
      if (best < 0 || h > best_score) best = t, best_score = h;
    }
  }
  if (!pool.empty()) return pool[static_cast<size_t>(next(rng) % pool.size())];
  return best;
}

struct WalkStats {
  size_t steps = 0, cache_hits = 0, generations = 0, partial = 0;
};

// `steps` masks compared; a finished generation starts a fresh pair.
void walk(const std::string& gbnf, const Tokenizer& tok,
          const std::shared_ptr<const grammar::TokenTrie>& trie, size_t steps, uint64_t seed,
          WalkStats& stats) {
  const grammar::Grammar g = grammar::parse_gbnf(gbnf);
  uint64_t rng = seed;
  while (stats.steps < steps) {
    // A small cache: entries are evicted and refilled all along the walk, and states come
    // back after their entry went.
    grammar::GrammarState cached(g, trie, 3), plain(g, trie, 0);
    ++stats.generations;
    for (; stats.steps < steps; ++stats.steps) {
      size_t n_cached = 0, n_plain = 0;
      const std::vector<uint64_t> bits = cached.mask_bits(&n_cached);
      const std::vector<uint64_t>& want = plain.mask_bits(&n_plain);
      ASSERT_EQ(n_cached, n_plain) << "step " << stats.steps;
      ASSERT_EQ(bits.size(), want.size());
      for (size_t w = 0; w < bits.size(); ++w) {
        if (bits[w] == want[w]) continue;
        const auto t =
            static_cast<int32_t>(w * 64 + static_cast<size_t>(__builtin_ctzll(bits[w] ^ want[w])));
        FAIL() << "step " << stats.steps << ": token " << t << " '" << tok.token_to_piece(t, true)
               << "' is " << ((want[w] >> (t & 63)) & 1 ? "allowed" : "rejected")
               << " by the plain computation, not with the caches";
      }
      ASSERT_EQ(cached.can_end(), plain.can_end());
      // Every fifth step, the trie walk against the token-by-token check (allows(): the
      // token's bytes stepped one by one, no trie), over the whole vocabulary.
      if (stats.steps % 5 == 0) {
        for (int32_t t = 0; t < tok.n_vocab(); ++t) {
          const bool in_mask = ((want[static_cast<size_t>(t) >> 6] >> (t & 63)) & 1) != 0;
          ASSERT_EQ(plain.allows(t), in_mask)
              << "step " << stats.steps << ": token " << t << " '" << tok.token_to_piece(t, true)
              << "': the mask and the single-token check disagree";
        }
      }
      if (n_plain == 0) break;  // the vocabulary cannot continue: a fresh generation
      const int32_t t = choose(want, *trie, rng);
      ASSERT_GE(t, 0);
      if (tok.is_eog(t) || plain.finished()) break;
      stats.partial += ends_partial(trie->bytes(t));
      cached.accept(t);
      plain.accept(t);
    }
    stats.cache_hits += cached.cache_hits();
  }
}

TEST(GrammarCache, SameMasksAsThePlainComputationOverRandomWalks) {
  const std::string vocab = test::data_path("testdata/tokenizer/ggml-vocab-qwen2.gguf");
  HEARTH_REQUIRE_DATA(vocab);
  const auto tok = Tokenizer::from_gguf(*GgufFile::open(vocab));
  ASSERT_EQ(tok->n_vocab(), 151936);
  const auto trie = grammar::TokenTrie::for_tokenizer(*tok);
  const fs::path root(HEARTH_SOURCE_DIR);
  std::vector<std::pair<std::string, std::string>> grammars;  // name, GBNF
  for (const auto& e : fs::directory_iterator(root / "tests/data/grammars"))
    if (e.path().extension() == ".gbnf")
      grammars.emplace_back(e.path().filename().string(), slurp(e.path()));
  for (const auto& e : fs::directory_iterator(root / "tests/data/schemas"))
    if (e.path().extension() == ".json")
      grammars.emplace_back(e.path().filename().string(),
                            grammar::json_schema_to_gbnf(slurp(e.path())));
  // A cycle through more states than the cache holds: each comes back after eviction.
  grammars.emplace_back("cycle", "root ::= ( [a-z]+ \":\" [0-9]+ \", \" [A-Z] \"\\n\" )+ \".\"");
  const fs::path bench = root / "benchmarks/data/grammar_nested.schema.json";
  grammars.emplace_back(bench.filename().string(), grammar::json_schema_to_gbnf(slurp(bench)));
  std::sort(grammars.begin(), grammars.end());
  ASSERT_GE(grammars.size(), 16u);
  size_t total_steps = 0, total_hits = 0, total_partial = 0;
  uint64_t seed = 0x243F6A8885A308D3ull;
  for (const auto& [name, gbnf] : grammars) {
    SCOPED_TRACE(name);
    WalkStats stats;
    walk(gbnf, *tok, trie, 40, seed += 0x9E3779B97F4A7C15ull, stats);
    if (HasFatalFailure()) return;
    total_steps += stats.steps;
    total_hits += stats.cache_hits;
    total_partial += stats.partial;
  }
  EXPECT_GE(total_steps, 40 * grammars.size());
  EXPECT_GT(total_hits, 20u);     // the cache was exercised, not only filled
  EXPECT_GT(total_partial, 10u);  // and pending UTF-8 carried across tokens
}

// The greedy sampler with a grammar checks the few best unconstrained tokens before it computes
// a mask and then reads only the allowed ones: its choice must be the full chain's (mask the
// logits, build the candidates, take the best), also with many equal logits (the lowest id
// wins), +INFINITY (the largest finite float: ties with FLT_MAX), -INFINITY and NaN (banned).
TEST(GrammarCache, GreedyFastPathChoosesWhatTheFullChainChooses) {
  const std::string vocab = test::data_path("testdata/tokenizer/ggml-vocab-qwen2.gguf");
  HEARTH_REQUIRE_DATA(vocab);
  const auto tok = Tokenizer::from_gguf(*GgufFile::open(vocab));
  const int n = tok->n_vocab();
  SamplerConfig config;
  config.grammar = grammar::json_schema_to_gbnf(
      slurp(fs::path(HEARTH_SOURCE_DIR) / "benchmarks/data/grammar_nested.schema.json"));
  Sampler fast(config, tok.get()), full(config, tok.get());
  uint64_t rng = 0x0123456789ABCDEFull;
  std::vector<float> logits(static_cast<size_t>(n));
  size_t steps = 0, specials = 0;
  for (; steps < 120; ++steps) {
    const uint64_t kind = next(rng) % 4;
    for (float& l : logits) {
      const uint64_t r = next(rng);
      // kind 0: few distinct values (ties everywhere); else a wide spread
      l = kind == 0 ? static_cast<float>(r % 4) : static_cast<float>(r >> 40) / 1e6f;
      if (kind == 1 && r % 997 == 0) l = std::numeric_limits<float>::max();
      if (kind == 1 && r % 991 == 0) l = INFINITY;
      if (kind >= 2 && r % 7 == 0) l = r % 2 ? -INFINITY : NAN;
    }
    specials += kind >= 1;
    const int got = fast.sample(logits.data(), n);
    const int want = full.candidates(logits.data(), n).best().id;
    ASSERT_EQ(got, want) << "step " << steps;
    if (tok->is_eog(got)) break;
    fast.accept(got);
    full.accept(got);
  }
  EXPECT_GT(steps, 40u);
  EXPECT_GT(specials, 20u);
}

}  // namespace
}  // namespace hearth

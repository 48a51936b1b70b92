// Grammar-constrained greedy generation against llama.cpp: for every grammar in
// tests/data/grammars/ on two real SPM models and a synthetic byte-level BPE model, hearth's
// tokens must equal the ones llama.cpp's grammar sampler chose (recorded in
// tests/data/grammars/peer_expected.tsv by tests/peer/record_grammar_peer.py), and where
// llama.cpp found no token of the vocabulary able to continue, hearth must say so (an error,
// not a crash).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "grammar/grammar_state.hpp"
#include "hearth/context.hpp"
#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "hearth/model.hpp"
#include "hearth/synth.hpp"
#include "hearth/tokenizer.hpp"
#include "sampler/sampler_chain.hpp"
#include "test_data.hpp"

namespace hearth {
namespace {

const std::string kGrammarDir =
    (std::filesystem::path(__FILE__).parent_path() / "data" / "grammars").string() + "/";

struct PeerCase {
  std::string model, grammar, prompt;
  int n = 0;
  bool error = false;
  std::vector<int> tokens;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The prompt column is a JSON string without escapes (see the recorder's PROMPTS).
std::vector<PeerCase> load_cases() {
  std::vector<PeerCase> cases;
  std::istringstream in(read_file(kGrammarDir + "peer_expected.tsv"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::stringstream ls(line);
    for (std::string x; std::getline(ls, x, '\t');) f.push_back(x);
    if (f.size() != 5) continue;
    PeerCase c;
    c.model = f[0];
    c.grammar = f[1];
    c.prompt = f[3].substr(1, f[3].size() - 2);
    c.n = std::stoi(f[2]);
    if (f[4] == "error") {
      c.error = true;
    } else {
      std::stringstream ts(f[4]);
      for (std::string t; std::getline(ts, t, ',');) c.tokens.push_back(std::stoi(t));
    }
    cases.push_back(c);
  }
  return cases;
}

std::string model_path(const std::string& name) {
  if (name == "stories260K") return test::data_path("models/real/stories260K.gguf");
  if (name == "TinyStories-656K-Q8_0")  // the same file as the repository's models/
    return test::data_path("models/real/TinyStories-656K-Q8_0.gguf");
  // The synthetic byte-level BPE model the recorder made with `hearth synth` (same seed).
  const std::string out = std::string(HEARTH_BINARY_DIR) + "/grammar-tiny-qwen2.gguf";
  if (!std::filesystem::exists(out)) {
    SynthOptions o;
    o.preset = "tiny-qwen2";
    o.vocab_path = test::data_path("testdata/tokenizer/ggml-vocab-qwen2.gguf");
    o.output_path = out;
    synth_model(o);
  }
  return out;
}

// Greedy generation with the grammar, step by step: the tokens must equal llama.cpp's. Where
// hearth's logits rank two allowed tokens within kTie of each other the other way round than
// llama.cpp's numerics did (the forward passes agree to ~1e-3, not bit for bit), the case stops
// there, counted as a tie; such near-ties must stay rare.
TEST(GrammarPeer, GreedyTokensEqualLlamaCpp) {
  HEARTH_REQUIRE_DATA(test::data_path("models/real/stories260K.gguf"));
  HEARTH_REQUIRE_DATA(test::data_path("models/real/TinyStories-656K-Q8_0.gguf"));
  HEARTH_REQUIRE_DATA(test::data_path("testdata/tokenizer/ggml-vocab-qwen2.gguf"));
  constexpr float kTie = 0.01f;
  const std::vector<PeerCase> cases = load_cases();
  ASSERT_GE(cases.size(), 50u);
  std::map<std::string, std::shared_ptr<const Model>> models;
  int n_error_cases = 0, n_eog = 0, n_ties = 0;
  size_t n_tokens = 0;
  for (const PeerCase& c : cases) {
    SCOPED_TRACE(c.model + " " + c.grammar + " \"" + c.prompt + "\"");
    auto& model = models[c.model];
    if (!model) model = Model::load(GgufFile::open(model_path(c.model)));
    const Tokenizer& tok = *model->tokenizer();
    ContextParams params;
    params.n_ctx = 256;
    params.n_threads = 2;
    Context ctx(model, params);
    const auto prompt = tok.encode(c.prompt, true, false);
    SamplerConfig config;
    config.grammar = read_file(kGrammarDir + c.grammar);
    Sampler sampler(config, &tok);
    grammar::GrammarState check(grammar::parse_gbnf(config.grammar),
                                grammar::TokenTrie::for_tokenizer(tok));
    ctx.decode(prompt.data(), prompt.size());
    if (c.error) ++n_error_cases;
    bool threw = false;
    // One case; ASSERTs end the case, not the test.
    [&] {
      try {
        for (size_t i = 0; i < static_cast<size_t>(c.n); ++i) {
          const float* logits = ctx.logits();
          const int t = sampler.sample(logits, ctx.n_vocab());
          if (!c.error) {
            ASSERT_LT(i, c.tokens.size()) << "llama.cpp stopped; hearth chose " << t;
            const int want = c.tokens[i];
            if (t != want) {
              ASSERT_TRUE(check.allows(want)) << "llama.cpp chose a token the grammar rejects";
              ASSERT_NEAR(logits[t], logits[want], kTie)
                  << "step " << i << ": hearth chose " << t << ", llama.cpp " << want;
              ++n_ties;
              return;
            }
          }
          ++n_tokens;
          if (tok.is_eog(t)) {
            EXPECT_FALSE(c.error) << "llama.cpp found no token to continue; hearth ended";
            EXPECT_EQ(i + 1, c.tokens.size()) << "end of generation too early";
            ++n_eog;
            return;
          }
          sampler.accept(t);
          check.accept(t);
          const int32_t t32 = t;
          ctx.decode(&t32, 1);
        }
      } catch (const Error& e) {
        threw = true;
        EXPECT_TRUE(c.error) << e.what();
        EXPECT_EQ(e.status(), Status::kInvalidArgument);
        EXPECT_NE(std::string(e.what()).find("no token of the vocabulary"), std::string::npos)
            << e.what();
      }
    }();
    if (c.error) {
      EXPECT_TRUE(threw) << "llama.cpp found no token to continue; hearth did";
    }
  }
  // The recorded set exercises both the error path and grammars that end generation.
  EXPECT_GT(n_error_cases, 0);
  EXPECT_GT(n_eog, 0);
  EXPECT_LE(n_ties, 3);
  EXPECT_GT(n_tokens, 1200u);  // 1485 when recorded
}

}  // namespace
}  // namespace hearth

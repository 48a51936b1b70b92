// The engine's OutputScreen hook with the content filter plugged in (safety/engine_screen.hpp):
// a reply that would contain a banned term ends with FinishReason::kContentFilter, names the
// rule's category, and delivers only text before the term — never any of it; a rule the reply
// never matches changes nothing. The reference reply is the plain single-context greedy output.
#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "generate/generate.hpp"
#include "hearth/context.hpp"
#include "hearth/tokenizer.hpp"
#include "safety/engine_screen.hpp"
#include "test_data.hpp"

namespace hearth::engine {
namespace {

const char* kTiny = "models/real/TinyStories-656K-Q8_0.gguf";

std::string greedy_text(std::shared_ptr<const Model> model, const std::vector<int32_t>& prompt,
                        int max_tokens) {
  ContextParams cp;
  cp.n_ctx = 256;
  cp.n_threads = 2;
  Context ctx(model, cp);
  GenerateOptions opt;
  opt.max_tokens = max_tokens;
  std::string text;
  opt.on_token = [&](int, const std::string& piece) {
    text += piece;
    return true;
  };
  generate(ctx, prompt.data(), prompt.size(), opt);
  return text;
}

std::shared_ptr<const safety::ContentFilter> filter_for(const std::string& rules) {
  safety::FilterConfig c;
  c.level = safety::Level::kStandard;
  c.rules = safety::RuleSet::parse(rules, "test.rules");
  return std::make_shared<safety::ContentFilter>(c);
}

struct Streamed {
  std::string delivered;
  FinishReason reason = FinishReason::kNone;
  std::string category;
};

Streamed run(Engine& engine, const std::vector<int32_t>& prompt, int max_tokens,
             std::shared_ptr<const safety::ContentFilter> filter) {
  RequestOptions o;
  o.prompt = prompt;
  o.max_tokens = max_tokens;
  o.output_screen = safety::make_output_screen(std::move(filter));
  auto r = engine.submit(std::move(o));
  Streamed out;
  std::string piece;
  bool timed_out = false;
  while (r->next_piece(&piece, -1, &timed_out)) out.delivered += piece;
  std::lock_guard<std::mutex> lock(r->mu);
  out.reason = r->reason;
  out.category = r->blocked_category;
  return out;
}

// The first word of at least four letters in `text` after `skip` bytes.
std::string word_in(const std::string& text, size_t skip) {
  size_t i = skip;
  while (i < text.size()) {
    while (i < text.size() && !std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    size_t j = i;
    while (j < text.size() && std::isalpha(static_cast<unsigned char>(text[j]))) ++j;
    if (j - i >= 4) return text.substr(i, j - i);
    i = j;
  }
  return "";
}

TEST(EngineScreen, BannedTermInTheReplyEndsItWithContentFilterBeforeAnyOfTheTermIsDelivered) {
  const std::string path = test::data_path(kTiny);
  HEARTH_REQUIRE_DATA(path);
  auto model = Model::load(GgufFile::open(path));
  const auto prompt = model->tokenizer()->encode("Once upon a time, there was a", true, false);
  const int n = 48;
  const std::string reference = greedy_text(model, prompt, n);
  // A word from the second half of the reply: a good part of it is delivered first.
  const std::string term = word_in(reference, reference.size() / 2);
  ASSERT_FALSE(term.empty()) << reference;
  const size_t at = reference.find(term, reference.size() / 2);
  // The term's first occurrence as a whole word, in any case (the filter folds case), decides
  // where the reply must stop.
  std::string lower = reference, lower_term = term;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (char& c : lower_term) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const size_t first = [&] {
    for (size_t p = lower.find(lower_term); p != std::string::npos;
         p = lower.find(lower_term, p + 1)) {
      const bool left = p == 0 || !std::isalnum(static_cast<unsigned char>(reference[p - 1]));
      const size_t e = p + term.size();
      const bool right =
          e == reference.size() || !std::isalnum(static_cast<unsigned char>(reference[e]));
      if (left && right) return p;
    }
    return at;
  }();

  EngineParams p;
  p.n_ctx = 256;
  p.n_threads = 2;
  Engine engine(model, p);
  const Streamed plain = run(engine, prompt, n, nullptr);
  ASSERT_EQ(plain.delivered, reference);  // the engine alone reproduces the reference

  const Streamed unrelated = run(engine, prompt, n, filter_for("standard spam term zzyzx-never\n"));
  EXPECT_EQ(unrelated.delivered, reference);
  EXPECT_NE(unrelated.reason, FinishReason::kContentFilter);

  const Streamed blocked =
      run(engine, prompt, n, filter_for("standard fairy_tales term " + term + "\n"));
  EXPECT_EQ(blocked.reason, FinishReason::kContentFilter) << "term: " << term;
  EXPECT_EQ(blocked.category, "fairy_tales");
  // Everything delivered is the reference's text before the term; nothing of the term itself.
  EXPECT_LE(blocked.delivered.size(), first);
  EXPECT_EQ(blocked.delivered, reference.substr(0, blocked.delivered.size()));
  EXPECT_EQ(lower.substr(0, blocked.delivered.size()).find(lower_term), std::string::npos);
  // Most of what precedes it was released (hold-back is bounded by the term's length).
  EXPECT_GE(blocked.delivered.size() + term.size() + 1, first) << blocked.delivered;
}

}  // namespace
}  // namespace hearth::engine

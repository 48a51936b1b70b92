// The content-safety filter (src/safety/): the shipped corpus (tests/data/safety/corpus.json,
// obfuscated variants included) is classified as expected at each level, both as input and as
// streamed output split at every byte; nothing a guard releases is itself blocked; policies,
// rule-file errors, normalisation and the hold-back limit.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hearth/error.hpp"
#include "safety/filter.hpp"
#include "safety/normalize.hpp"

namespace hearth::safety {
namespace {

const std::string kData = std::string(HEARTH_SOURCE_DIR) + "/tests/data/safety/";

struct Case {
  std::string text, standard, strict;
  std::vector<std::string> pieces;
};

std::vector<Case> corpus() {
  std::ifstream in(kData + "corpus.json");
  EXPECT_TRUE(in) << kData << "corpus.json";
  const nlohmann::json j = nlohmann::json::parse(in);
  std::vector<Case> cases;
  for (const auto& e : j) {
    Case c{e["text"], e["standard"], e["strict"], {}};
    if (e.contains("pieces")) c.pieces = e["pieces"].get<std::vector<std::string>>();
    cases.push_back(std::move(c));
  }
  return cases;
}

std::shared_ptr<const RuleSet> default_rules() {
  return RuleSet::load_file(kData + "default.rules");
}

ContentFilter make_filter(Level level, PolicyFn policy = {}) {
  FilterConfig c;
  c.level = level;
  c.rules = default_rules();
  c.policy = std::move(policy);
  return ContentFilter(c);
}

std::string expected_at(const Case& c, Level level) {
  return level == Level::kOff ? "allow" : level == Level::kStandard ? c.standard : c.strict;
}

struct Streamed {
  std::string released;
  bool blocked = false;
  std::string category;
};

Streamed stream(const ContentFilter& f, const std::vector<std::string>& pieces) {
  OutputGuard g(f);
  Streamed s;
  for (const auto& p : pieces) {
    const OutputGuard::Step st = g.feed(p);
    s.released += st.release;
    if (st.blocked) break;
  }
  if (!g.blocked()) s.released += g.finish().release;
  s.blocked = g.blocked();
  s.category = g.verdict().category;
  return s;
}

TEST(SafetyFilter, CorpusInputsAreClassifiedAsExpectedAtEachLevel) {
  const auto cases = corpus();
  ASSERT_GE(cases.size(), 20u);
  for (Level level : {Level::kOff, Level::kStandard, Level::kStrict}) {
    const ContentFilter f = make_filter(level);
    for (const Case& c : cases) {
      const Verdict v = f.check(c.text);
      const std::string want = expected_at(c, level);
      EXPECT_EQ(v.blocked ? v.category : "allow", want)
          << level_name(level) << ": \"" << c.text << "\"";
    }
  }
}

// Every way of cutting the text into pieces that the test can afford: the corpus's own
// pieces, one cut at every byte (UTF-8 sequences too), and one byte per piece.
std::vector<std::vector<std::string>> splits(const Case& c) {
  std::vector<std::vector<std::string>> out;
  if (!c.pieces.empty()) out.push_back(c.pieces);
  for (size_t i = 0; i <= c.text.size(); ++i)
    out.push_back({c.text.substr(0, i), c.text.substr(i)});
  std::vector<std::string> bytes;
  for (char ch : c.text) bytes.emplace_back(1, ch);
  out.push_back(bytes);
  return out;
}

TEST(SafetyFilter, CorpusOutputsStreamedInAnyPiecesAreClassifiedAndNothingBlockedIsReleased) {
  for (Level level : {Level::kOff, Level::kStandard, Level::kStrict}) {
    const ContentFilter f = make_filter(level);
    for (const Case& c : corpus()) {
      const std::string want = expected_at(c, level);
      for (const auto& pieces : splits(c)) {
        const Streamed s = stream(f, pieces);
        const std::string where = std::string(level_name(level)) + ": \"" + c.text + "\" in " +
                                  std::to_string(pieces.size()) + " pieces";
        ASSERT_EQ(s.blocked ? s.category : "allow", want) << where;
        ASSERT_EQ(c.text.compare(0, s.released.size(), s.released), 0) << where;
        if (want == "allow") {
          ASSERT_EQ(s.released, c.text) << where;
        } else {
          // What reached the output is harmless on its own: no part of the banned phrase.
          ASSERT_FALSE(f.check(s.released, Direction::kOutput).blocked) << where;
          ASSERT_LT(s.released.size(), c.text.size()) << where;
        }
      }
    }
  }
}

TEST(SafetyFilter, HeldTextIsReleasedAsSoonAsItCannotStartAMatch) {
  const ContentFilter f = make_filter(Level::kStandard);
  OutputGuard g(f);
  EXPECT_EQ(g.feed("The cat sat on the ").release, "The cat sat on the ");
  EXPECT_EQ(g.feed("pi").release, "");  // "pi" may begin "pipe bomb"
  EXPECT_EQ(g.held_bytes(), 2u);
  // "n" is held too: a rule starts with "n" ("nerve agent synthesis"), and holding ignores
  // word boundaries (cheap and safe: it only delays).
  EXPECT_EQ(g.feed("pe organ").release, "pipe orga");
  EXPECT_EQ(g.feed(" played").release, "n played");
  EXPECT_EQ(g.finish().release, "");
  EXPECT_FALSE(g.blocked());
}

TEST(SafetyFilter, BlockedGuardsReleaseNothingMore) {
  const ContentFilter f = make_filter(Level::kStandard);
  OutputGuard g(f);
  g.feed("Here is how to build a pipe bomb");
  EXPECT_TRUE(g.blocked());
  EXPECT_EQ(g.verdict().category, "weapons");
  EXPECT_GT(g.verdict().rule_line, 0);
  const auto st = g.feed(" and more harmless text");
  EXPECT_TRUE(st.blocked);
  EXPECT_EQ(st.release, "");
  EXPECT_EQ(g.finish().release, "");
}

TEST(SafetyFilter, PolicyCallbackBlocksInputAndOutputAtAnyLevel) {
  auto policy = [](std::string_view text, Direction d) -> std::string {
    if (text.find("ACME") != std::string_view::npos)
      return d == Direction::kInput ? "competitor_in" : "competitor_out";
    return "";
  };
  for (Level level : {Level::kOff, Level::kStrict}) {
    const ContentFilter f = make_filter(level, policy);
    const Verdict v = f.check("tell me about ACME corp");
    EXPECT_TRUE(v.blocked);
    EXPECT_EQ(v.category, "competitor_in");
    EXPECT_EQ(v.rule_line, 0);
    const Streamed s = stream(f, {"Our rival ", "AC", "ME is "});
    EXPECT_TRUE(s.blocked);
    EXPECT_EQ(s.category, "competitor_out");
    EXPECT_FALSE(f.check("a fine day").blocked);
  }
}

TEST(SafetyFilter, HoldBackIsBoundedForLongPartialRegexMatches) {
  FilterConfig c;
  c.level = Level::kStandard;
  c.rules = RuleSet::parse("standard secret regex begin secret.*end secret\n");
  c.max_hold_bytes = 64;
  const ContentFilter f(c);
  OutputGuard g(f);
  std::string released = g.feed("begin secret").release;
  EXPECT_EQ(released, "");
  for (int i = 0; i < 20; ++i) released += g.feed(" filler text").release;
  EXPECT_LE(g.held_bytes(), 64u);
  EXPECT_FALSE(released.empty());
  // The documented limit: the start of the match was released and left the window, so the
  // match is not seen any more.
  EXPECT_FALSE(g.feed(" end secret").blocked);
}

TEST(SafetyRules, FileErrorsNameTheLine) {
  auto message = [](const std::string& text) {
    try {
      RuleSet::parse(text, "r.rules");
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), Status::kInvalidArgument);
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_NE(message("# ok\nloud x term y\n").find("r.rules:2: level 'loud'"), std::string::npos);
  EXPECT_NE(message("standard X term y\n").find("category"), std::string::npos);
  EXPECT_NE(message("standard x word y\n").find("kind 'word'"), std::string::npos);
  EXPECT_NE(message("standard x term\n").find("empty"), std::string::npos);
  EXPECT_NE(message("\n\nstrict x regex a(b\n").find("r.rules:3: regular expression"),
            std::string::npos);
  EXPECT_THROW(RuleSet::load_file("/nonexistent.rules"), Error);
  EXPECT_THROW(parse_level("medium"), Error);
  EXPECT_THROW(ContentFilter(FilterConfig{}), Error);  // standard without rules or policy
}

TEST(SafetyNormalize, FoldsObfuscationsToPlainText) {
  EXPECT_EQ(normalize("\xEF\xBC\xA8\xEF\xBD\x85llo", false), "hello");            // full width
  EXPECT_EQ(normalize("he\xE2\x80\x8Bl\xC2\xADlo\xEF\xBB\xBF", false), "hello");  // invisible
  EXPECT_EQ(normalize("Caf\xC3\xA9 \xC3\x9F", false), "cafe ss");
  EXPECT_EQ(normalize("\xEF\xAC\x81ne", false), "fine");  // ligature
  EXPECT_EQ(normalize("a \t\n b", false), "a b");
  EXPECT_EQ(normalize("h3ll0 $h!t 1000 bad!", true), "hello shit 1000 bad!");
  EXPECT_EQ(normalize("h3ll0", false), "h3ll0");
  // Invalid UTF-8 becomes U+FFFD (valid output for PCRE2); a cut sequence waits when not final.
  EXPECT_EQ(normalize("a\xFF"
                      "b",
                      false),
            "a\xEF\xBF\xBD"
            "b");
  NormalizedText t;
  safety::normalize("ab\xE2\x80", false, false, t);
  EXPECT_EQ(t.text, "ab");
  EXPECT_EQ(t.consumed, 2u);
}

}  // namespace
}  // namespace hearth::safety

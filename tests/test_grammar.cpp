// GBNF parser, grammar matcher and token mask, JSON Schema converter: unit tests on small
// grammars and a hand-made vocabulary (the llama.cpp comparisons are in test_grammar_peer.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "grammar/gbnf.hpp"
#include "grammar/grammar_state.hpp"
#include "grammar/json_schema.hpp"
#include "grammar/matcher.hpp"
#include "hearth/error.hpp"

namespace hearth::grammar {
namespace {

// True when the grammar admits exactly `text` (every byte consumed, some parse finished).
bool accepts(const std::string& gbnf, const std::string& text) {
  GrammarMatcher m(parse_gbnf(gbnf));
  int32_t s = m.initial();
  for (char c : text) {
    s = m.step(s, static_cast<uint8_t>(c));
    if (s == kDead) return false;
  }
  return m.token_may_end(s) && m.can_end(s);
}

std::string error_of(const std::string& gbnf) {
  try {
    parse_gbnf(gbnf);
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kInvalidArgument);
    return e.what();
  }
  return "";
}

TEST(GbnfParser, EveryConstruct) {
  const std::string g = R"(# comment
root ::= "a\n\t\\\"\x41\u00e9\U0001F600" [b-d^] [^x-z] . x{2} y{1,} z{0,2} w* v+ u? ( "p" | "q" )
x ::= "x"
y ::= "y"
z ::= "z"
w ::= "w"
v ::= "v"
u ::= "u"
)";
  EXPECT_TRUE(accepts(g,
                      "a\n\t\\\"A\xC3\xA9\xF0\x9F\x98\x80"
                      "bQ!xxyvp"));
  EXPECT_TRUE(accepts(g,
                      "a\n\t\\\"A\xC3\xA9\xF0\x9F\x98\x80"
                      "^a\xE2\x82\xAC"
                      "xxyyyzzwwwvvuq"));
  EXPECT_FALSE(accepts(g,
                       "a\n\t\\\"A\xC3\xA9\xF0\x9F\x98\x80"
                       "bxxxyvp"));  // [^x-z]
  EXPECT_FALSE(accepts(g,
                       "a\n\t\\\"A\xC3\xA9\xF0\x9F\x98\x80"
                       "bQ!xyvp"));  // x{2}
  EXPECT_FALSE(accepts(g,
                       "a\n\t\\\"A\xC3\xA9\xF0\x9F\x98\x80"
                       "bQ!xxvp"));  // y{1,}
  EXPECT_FALSE(accepts(g,
                       "a\n\t\\\"A\xC3\xA9\xF0\x9F\x98\x80"
                       "bQ!xxyzzzvp"));  // z{0,2}
  EXPECT_FALSE(accepts(g,
                       "a\n\t\\\"A\xC3\xA9\xF0\x9F\x98\x80"
                       "bQ!xxyp"));  // v+
  EXPECT_FALSE(accepts(g,
                       "a\n\t\\\"A\xC3\xA9\xF0\x9F\x98\x80"
                       "bQ!xxyvuup"));  // u?
  // Groups, empty alternatives, recursion.
  const std::string r = "root ::= ( \"(\" root \")\" | )  root-tail\nroot-tail ::= \"!\"?";
  EXPECT_TRUE(accepts(r, "((!)!)"));
  EXPECT_TRUE(accepts(r, ""));
  EXPECT_FALSE(accepts(r, "(()"));
}

TEST(GbnfParser, ErrorsNameLineAndColumn) {
  EXPECT_NE(error_of("root ::= \"a\"\nx ::= [a-").find("grammar:2:"), std::string::npos);
  EXPECT_NE(error_of("root ::= foo").find("undefined rule 'foo'"), std::string::npos);
  EXPECT_NE(error_of("foo ::= \"a\"").find("no start rule 'root'"), std::string::npos);
  EXPECT_NE(error_of("root ::= root \"a\"").find("left recursion"), std::string::npos);
  EXPECT_NE(error_of("root ::= \"\\q\"").find("grammar:1:11: unknown escape"), std::string::npos);
  EXPECT_NE(error_of("root ::= \"\\x4\"").find("hex digits"), std::string::npos);
  EXPECT_NE(error_of("root ::= * \"a\"").find("expecting an item"), std::string::npos);
  EXPECT_NE(error_of("root ::= \"a\"{3,1}").find("below the minimum"), std::string::npos);
  EXPECT_NE(error_of("root ::= \"a\"{2001}").find("repetitions"), std::string::npos);
  EXPECT_NE(error_of("root ::= (\"a\"").find("expecting ')'"), std::string::npos);
  EXPECT_NE(error_of("root ::= <[12]>").find("not supported"), std::string::npos);
  EXPECT_NE(error_of("").find("no rules"), std::string::npos);
  EXPECT_NE(error_of("root := \"a\"").find("expecting ::="), std::string::npos);
  // Hostile nesting and sizes are errors, not stack overflows or huge allocations.
  EXPECT_NE(error_of("root ::= " + std::string(5000, '(') + "\"a\"" + std::string(5000, ')'))
                .find("nested deeper"),
            std::string::npos);
  EXPECT_NE(error_of("root ::= \"" + std::string(1100, 'a') + "\"{2000}").find("elements"),
            std::string::npos);
}

TEST(GbnfParser, NullableRecursionIsAnErrorAtRunTime) {
  // llama.cpp's left-recursion check only sees empty alternatives; a rule that reaches itself
  // through a rule deriving nothing would expand forever: bounded, an error.
  try {
    GrammarMatcher m(parse_gbnf("root ::= b root \"x\"\nb ::= c\nc ::= "));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kInvalidArgument);
  }
}

// A vocabulary where multi-byte characters are split across tokens, as byte-level BPE does.
std::shared_ptr<const TokenTrie> vocab() {
  // 0: eos, 1: "a", 2: "ab", 3: "\xC3" (first byte of é), 4: "\xA9" (its last byte),
  // 5: "\xC3\xA9", 6: "b", 7: "\xA9b", 8: "" (never allowed), 9: "\x80" (stray continuation),
  // 10: "\xE2\x82" (2 of 3 bytes of €), 11: "\xAC", 12: "\xC3\xA9\xC3"
  std::vector<std::string> pieces = {"",
                                     "a",
                                     "ab",
                                     "\xC3",
                                     "\xA9",
                                     "\xC3\xA9",
                                     "b",
                                     "\xA9"
                                     "b",
                                     "",
                                     "\x80",
                                     "\xE2\x82",
                                     "\xAC",
                                     "\xC3\xA9\xC3"};
  std::vector<bool> eog(pieces.size(), false);
  eog[0] = true;
  return std::make_shared<TokenTrie>(pieces, eog);
}

std::vector<int> allowed(GrammarState& g) {
  std::vector<uint8_t> mask;
  g.fill_mask(mask);
  std::vector<int> out;
  for (size_t t = 0; t < mask.size(); ++t)
    if (mask[t]) out.push_back(static_cast<int>(t));
  for (size_t t = 0; t < mask.size(); ++t)  // the single-token check agrees with the mask
    EXPECT_EQ(g.allows(static_cast<int>(t)), mask[t] != 0) << "token " << t;
  return out;
}

TEST(GrammarState, PartialUtf8AcrossTokensAndEndOfGeneration) {
  GrammarState g(parse_gbnf("root ::= \"a\" \"é\"+ \"b\""), vocab());
  EXPECT_EQ(allowed(g), (std::vector<int>{1}));
  g.accept(1);
  // "\xC3" may start é; "\xC3\xA9\xC3" ends inside a second é; "\xE2\x82" cannot become é.
  EXPECT_EQ(allowed(g), (std::vector<int>{3, 5, 12}));
  g.accept(3);
  EXPECT_EQ(allowed(g), (std::vector<int>{4, 7}));  // the rest of é, alone or then "b"
  g.accept(4);
  EXPECT_FALSE(g.can_end());
  EXPECT_EQ(allowed(g), (std::vector<int>{3, 5, 6, 12}));
  g.accept(6);
  EXPECT_TRUE(g.can_end());
  EXPECT_TRUE(g.finished());
  EXPECT_EQ(allowed(g), (std::vector<int>{0}));  // only end-of-generation
  EXPECT_THROW(g.accept(1), Error);
}

TEST(GrammarState, NegatedClassesAndUnsatisfiable) {
  GrammarState any(parse_gbnf("root ::= [^a]+"), vocab());
  // Everything but "a"-starting and invalid UTF-8 (a stray continuation byte) tokens.
  EXPECT_EQ(allowed(any), (std::vector<int>{3, 5, 6, 10, 12}));
  GrammarState none(parse_gbnf("root ::= \"z\""), vocab());
  std::vector<float> logits(13, 0.0f);
  try {
    none.apply(logits.data(), 13);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("no token of the vocabulary"), std::string::npos);
  }
}

// Every integer in [-200, 1200] against every bound combination the converter writes.
TEST(JsonSchema, IntegerBoundsExhaustive) {
  const struct {
    const char* schema;
    long lo, hi;
  } cases[] = {{R"({"type":"integer","minimum":18,"maximum":130})", 18, 130},
               {R"({"type":"integer","exclusiveMinimum":-50,"exclusiveMaximum":7})", -49, 6},
               {R"({"type":"integer","minimum":-120,"maximum":-7})", -120, -7},
               {R"({"type":"integer","minimum":0})", 0, 1000000},
               {R"({"type":"integer","maximum":-3})", -1000000, -3},
               {R"({"type":"integer","minimum":5, "maximum":5})", 5, 5},
               {R"({"type":"integer","minimum":99,"maximum":1001})", 99, 1001}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.schema);
    const std::string g = json_schema_to_gbnf(c.schema);
    GrammarMatcher m(parse_gbnf(g));
    for (long v = -200; v <= 1200; ++v) {
      int32_t s = m.initial();
      for (char ch : std::to_string(v)) s = s == kDead ? s : m.step(s, static_cast<uint8_t>(ch));
      const bool ok = s != kDead && m.can_end(s);
      ASSERT_EQ(ok, v >= c.lo && v <= c.hi) << v;
    }
  }
}

// Calendar dates as Python's validator (datetime.date.fromisoformat) accepts them: years 0001 to
// 9999, no year 0000.
TEST(JsonSchema, DateYearsStartAtOne) {
  const std::string date = json_schema_to_gbnf(R"({"type":"string","format":"date"})");
  EXPECT_FALSE(accepts(date, "\"0000-01-01\""));
  for (const char* ok : {"\"0001-01-01\"", "\"0010-12-31\"", "\"0999-02-28\"", "\"9999-11-30\""})
    EXPECT_TRUE(accepts(date, ok)) << ok;
  const std::string dt = json_schema_to_gbnf(R"({"type":"string","format":"date-time"})");
  EXPECT_FALSE(accepts(dt, "\"0000-05-05T10:00:50.200-00:50\""));
  EXPECT_TRUE(accepts(dt, "\"0100-05-05T10:00:50.200-00:50\""));
}

TEST(JsonSchema, KeywordsAndErrors) {
  auto err = [](const std::string& schema) {
    try {
      json_schema_to_gbnf(schema);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(err(R"({"type":"object","properties":{"a":{"not":{}}}})")
                .find("unsupported keyword 'not' at #/properties/a"),
            std::string::npos);
  EXPECT_NE(err(R"({"minProperties":1})").find("'minProperties'"), std::string::npos);
  EXPECT_NE(err(R"({"$ref":"#/$defs/missing"})").find("does not resolve"), std::string::npos);
  // Found by fuzz_grammar: a $ref without '/' escaped as std::out_of_range.
  EXPECT_NE(err(R"({"$ref":"x"})").find("not a local reference"), std::string::npos);
  EXPECT_NE(err(R"({"$ref":7})").find("$ref must be a string"), std::string::npos);
  EXPECT_NE(err(R"({"type":"string","format":"email"})").find("format 'email'"), std::string::npos);
  EXPECT_NE(err(R"({"type":"string","pattern":"(a)\\1"})").find("not supported"),
            std::string::npos);
  EXPECT_NE(err("{not json").find("not valid JSON"), std::string::npos);
  // Found by fuzz_grammar under UBSan: minItems 3.3e119 was converted to long long.
  EXPECT_NE(err(R"({"items":{"type":"null"},"minItems":3.3e119})").find("over 2000"),
            std::string::npos);
  EXPECT_NE(err(R"({"type":"string","maxLength":-1})").find("non-negative integer"),
            std::string::npos);
  EXPECT_NE(err(R"({"type":"string","minLength":1.5})").find("non-negative integer"),
            std::string::npos);
  EXPECT_NE(err(R"({"type":"integer","minimum":-1e300})").find("beyond 15 digits"),
            std::string::npos);
  const std::string two_items = json_schema_to_gbnf(R"({"items":{"type":"null"},"minItems":2.0})");
  EXPECT_TRUE(accepts(two_items, "[null, null]"));
  EXPECT_FALSE(accepts(two_items, "[null]"));
  EXPECT_NE(err(R"({"type":"integer","minimum":5,"maximum":1})").find("above maximum"),
            std::string::npos);
  // Recursive $ref: a linked list.
  const std::string list = json_schema_to_gbnf(
      R"({"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},"next":{"anyOf":[{"$ref":"#/$defs/node"},{"type":"null"}]}},"required":["v","next"],"additionalProperties":false}},"$ref":"#/$defs/node"})");
  EXPECT_TRUE(accepts(list, R"({"v":1,"next":{"v":2,"next":null}})"));
  EXPECT_FALSE(accepts(list, R"({"v":1,"next":{"v":2}})"));
  // Extra keys never reuse a declared name (its value would be checked by the wrong schema).
  const std::string extra = json_schema_to_gbnf(
      R"({"properties":{"ab":{"type":"boolean"}},"required":["ab"],"additionalProperties":{"type":"integer"}})");
  EXPECT_TRUE(accepts(extra, R"({"ab":true,"a":1,"abc":2,"b":3})"));
  EXPECT_FALSE(accepts(extra, R"({"ab":true,"ab":1})"));
  // Patterns: escapes in JSON text, classes never admit a raw quote.
  const std::string pat = json_schema_to_gbnf(R"({"type":"string","pattern":"^a\"[^b]\\d{2}$"})");
  EXPECT_TRUE(accepts(pat, R"("a\"c12")"));
  EXPECT_FALSE(accepts(pat, R"("a\""12")"));
  EXPECT_FALSE(accepts(pat, R"("a\"b12")"));
  // json_object mode.
  EXPECT_TRUE(accepts(json_object_grammar(), R"({"x": [1, {"y": null}], "z": "w"})"));
  EXPECT_FALSE(accepts(json_object_grammar(), "[1]"));
}

}  // namespace
}  // namespace hearth::grammar

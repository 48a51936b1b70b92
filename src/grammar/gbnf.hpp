// GBNF grammars (llama.cpp's syntax and semantics, grammars/README.md there): parsed into flat
// rules of elements, the same shape llama.cpp uses, so the set of strings a grammar admits and
// the tokens its sampler allows at each step are the same as llama.cpp's.
//
//   root ::= item ("," item)*        rules; `root` is the start rule
//   "lit\n\x41\u00e9\U0001F600"      literals (escapes \n \r \t \\ \" \[ \] \- \xHH \uHHHH
//   \UHHHHHHHH) [a-z0-9_] [^"\\]  .              classes with ranges, negation, any character ( ...
//   | ... )  x* x+ x? x{m} x{m,} x{m,n}    groups, alternatives, repetitions # comment to the end
//   of the line
// Repetitions are rewritten into helper rules exactly as llama.cpp does (S{m,n} -> S..S S'...).
// Token references (`<[id]>`, `<|tok|>`) are not supported: a clear error.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::grammar {

enum class ElemType : uint8_t {
  kEnd = 0,           // end of a rule
  kAlt = 1,           // start of another alternative of the rule
  kRuleRef = 2,       // value: rule id
  kChar = 3,          // value: code point; may be followed by kCharRngUpper and kCharAlt elements
  kCharNot = 4,       // like kChar, negated ([^...])
  kCharRngUpper = 5,  // value: inclusive upper bound of the range started by the element before
  kCharAlt = 6,       // value: another code point (or range start) of the same class
  kCharAny = 7,       // `.`: any code point
};

struct Element {
  ElemType type;
  uint32_t value;
};

// Limits that keep hostile grammars from exhausting memory or the stack; exceeding one is an
// error naming it.
struct GrammarLimits {
  size_t max_text_bytes = 1 << 20;  // grammar source size
  size_t max_nesting = 128;         // nested ( ... ) groups
  size_t max_elements = 1 << 21;    // all rules' elements after repetition rewriting
  uint64_t max_repetition = 2000;   // llama.cpp's MAX_REPETITION_THRESHOLD
};

struct Grammar {
  // rules[id] is a sequence of alternatives separated by kAlt and terminated by kEnd.
  std::vector<std::vector<Element>> rules;
  std::map<std::string, uint32_t> symbol_ids;  // names, including generated helper rules
  uint32_t root = 0;                           // id of the start rule
};

// Parses GBNF text. Throws hearth::Error(kInvalidArgument, "grammar:LINE:COL: what") for
// syntax errors, undefined rules, a missing start rule, left recursion and exceeded limits.
Grammar parse_gbnf(std::string_view text, std::string_view root = "root",
                   const GrammarLimits& limits = {});

// Human-readable dump of the rules (for `hearth run --grammar-print` and debugging).
std::string to_string(const Grammar& grammar);

}  // namespace hearth::grammar

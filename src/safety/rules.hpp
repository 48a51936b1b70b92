// Content-safety rule sets: terms and regular expressions per category, each active from a
// level on. Loaded from a text file, one rule per line:
//
//   # comment
//   LEVEL     CATEGORY   KIND    PATTERN (the rest of the line)
//   standard  weapons    term    pipe bomb
//   strict    profanity  substr  fuck
//   standard  self_harm  regex   \bkill\s+(your|my)self\b
//
// LEVEL: standard (active at standard and strict) or strict (strict only). KIND: term (whole
// words), substr (anywhere, also inside words), regex (PCRE2, caseless, UTF). Terms are
// normalised like the text (safety/normalize.hpp); regular expressions are matched against the
// normalised text (lower case, no accents, no invisible characters, single spaces), so they
// need not spell out obfuscations. At strict, the normalised text also reads leetspeak
// (digits and symbols between letters as letters): a regular expression meant to match digits
// should not expect them right next to letters.
//
// A compiled RuleSet is immutable and may be shared by any number of threads and filters.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace hearth::safety {

enum class Level { kOff = 0, kStandard = 1, kStrict = 2 };
// "off", "standard", "strict"; kInvalidArgument otherwise.
Level parse_level(const std::string& name);
const char* level_name(Level level);

struct Rule {
  enum class Kind { kTerm, kSubstring, kRegex };
  Level level = Level::kStandard;
  std::string category;
  Kind kind = Kind::kTerm;
  std::string pattern;
  int line = 0;  // in the file, for messages
};

struct CompiledLevel;  // safety/matcher.hpp

class RuleSet {
 public:
  // kIoError when unreadable; kInvalidArgument ("FILE:LINE: why") for a malformed rule or a
  // regular expression that does not compile.
  static std::shared_ptr<const RuleSet> load_file(const std::string& path);
  static std::shared_ptr<const RuleSet> parse(const std::string& text,
                                              const std::string& name = "rules");
  ~RuleSet();

  const std::vector<Rule>& rules() const { return rules_; }
  // The matcher of standard or strict (kOff has none).
  const CompiledLevel& compiled(Level level) const;

 private:
  explicit RuleSet(std::vector<Rule> rules, const std::string& name);
  std::vector<Rule> rules_;
  std::unique_ptr<CompiledLevel> standard_, strict_;
};

}  // namespace hearth::safety

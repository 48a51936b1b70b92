#include "safety/rules.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "hearth/error.hpp"
#include "platform/files.hpp"
#include "safety/matcher.hpp"
#include "safety/normalize.hpp"

namespace hearth::safety {
namespace {

bool valid_category(const std::string& c) {
  if (c.empty() || c.size() > 64) return false;
  for (char ch : c)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
      return false;
  return true;
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

std::unique_ptr<CompiledLevel> compile(const std::vector<Rule>& rules, Level level,
                                       const std::string& name) {
  auto c = std::make_unique<CompiledLevel>();
  c->leet = level == Level::kStrict;
  c->whole_word.assign(rules.size(), false);
  for (size_t i = 0; i < rules.size(); ++i) {
    const Rule& r = rules[i];
    if (r.level > level) continue;
    if (r.kind == Rule::Kind::kRegex) {
      int err = 0;
      PCRE2_SIZE off = 0;
      pcre2_code* code =
          pcre2_compile(reinterpret_cast<PCRE2_SPTR>(r.pattern.data()), r.pattern.size(),
                        PCRE2_UTF | PCRE2_CASELESS, &err, &off, nullptr);
      if (!code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        fail(Status::kInvalidArgument,
             fmt::format("{}:{}: regular expression error at offset {}: {}", name, r.line, off,
                         reinterpret_cast<const char*>(msg)));
      }
      // JIT for both kinds of matching; the interpreter is the fallback when JIT is missing.
      pcre2_jit_compile(code, PCRE2_JIT_COMPLETE | PCRE2_JIT_PARTIAL_HARD);
      c->regexes.push_back({code, static_cast<int32_t>(i)});
      continue;
    }
    const std::string norm = trim(normalize(r.pattern, c->leet));
    if (norm.empty()) continue;
    c->whole_word[i] = r.kind == Rule::Kind::kTerm;
    c->terms.add(norm, static_cast<int32_t>(i));
  }
  c->terms.build();
  return c;
}

}  // namespace

CompiledLevel::~CompiledLevel() {
  for (auto& r : regexes) pcre2_code_free(r.code);
}

Level parse_level(const std::string& name) {
  if (name == "off") return Level::kOff;
  if (name == "standard") return Level::kStandard;
  if (name == "strict") return Level::kStrict;
  fail(Status::kInvalidArgument,
       fmt::format("safety level '{}' is not off, standard or strict", name));
}

const char* level_name(Level level) {
  switch (level) {
    case Level::kOff:
      return "off";
    case Level::kStandard:
      return "standard";
    case Level::kStrict:
      return "strict";
  }
  return "?";
}

RuleSet::RuleSet(std::vector<Rule> rules, const std::string& name) : rules_(std::move(rules)) {
  standard_ = compile(rules_, Level::kStandard, name);
  strict_ = compile(rules_, Level::kStrict, name);
}

RuleSet::~RuleSet() = default;

const CompiledLevel& RuleSet::compiled(Level level) const {
  if (level == Level::kOff) fail(Status::kInvalidArgument, "level off has no rules");
  return level == Level::kStrict ? *strict_ : *standard_;
}

std::shared_ptr<const RuleSet> RuleSet::parse(const std::string& text, const std::string& name) {
  std::vector<Rule> rules;
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    std::istringstream fields(t);
    std::string level, category, kind;
    fields >> level >> category >> kind;
    std::string pattern;
    std::getline(fields, pattern);
    pattern = trim(pattern);
    auto bad = [&](const std::string& why) {
      fail(Status::kInvalidArgument, fmt::format("{}:{}: {}", name, n, why));
    };
    Rule r;
    r.line = n;
    if (level == "standard")
      r.level = Level::kStandard;
    else if (level == "strict")
      r.level = Level::kStrict;
    else
      bad(fmt::format("level '{}' is not standard or strict", level));
    if (!valid_category(category)) bad(fmt::format("category '{}' is not [a-z0-9_-]+", category));
    r.category = category;
    if (kind == "term")
      r.kind = Rule::Kind::kTerm;
    else if (kind == "substr")
      r.kind = Rule::Kind::kSubstring;
    else if (kind == "regex")
      r.kind = Rule::Kind::kRegex;
    else
      bad(fmt::format("kind '{}' is not term, substr or regex", kind));
    if (pattern.empty()) bad("the pattern is empty");
    r.pattern = pattern;
    rules.push_back(std::move(r));
  }
  return std::shared_ptr<const RuleSet>(new RuleSet(std::move(rules), name));
}

std::shared_ptr<const RuleSet> RuleSet::load_file(const std::string& path) {
  std::string text;
  if (!platform::read_file(path, &text))
    fail(Status::kIoError, fmt::format("cannot read rule file {}: {}", path, std::strerror(errno)));
  return parse(text, path);
}

}  // namespace hearth::safety

#include "grammar/schema_pattern.hpp"

#include <fmt/format.h>

#include "hearth/error.hpp"

namespace hearth::grammar {
namespace {

// Characters a JSON string may hold unescaped, minus those excluded by a negated class.
constexpr const char* kJsonExcluded = "\"\\\\\\x00-\\x1F\\x7F";

class PatternParser {
 public:
  PatternParser(const std::string& p, const std::string& path) : p_(p), path_(path) {}

  std::string run() {
    size_t end = p_.size();
    if (!p_.empty() && p_[0] == '^') pos_ = 1;
    if (end > pos_ && p_[end - 1] == '$' && (end < 2 || p_[end - 2] != '\\')) --end;
    end_ = end;
    std::string out = alternatives(0);
    if (pos_ != end_) error(fmt::format("unexpected '{}' at offset {}", p_[pos_], pos_));
    return "(" + out + ")";
  }

 private:
  [[noreturn]] void error(const std::string& what) const {
    fail(Status::kInvalidArgument,
         fmt::format("json schema: pattern '{}': {} at {}", p_, what, path_));
  }

  std::string alternatives(int depth) {
    if (depth > 64) error("groups nested too deeply");
    std::string out = sequence(depth);
    while (pos_ < end_ && p_[pos_] == '|') {
      ++pos_;
      out += " | " + sequence(depth);
    }
    return out;
  }

  std::string sequence(int depth) {
    std::string out;
    while (pos_ < end_ && p_[pos_] != '|' && p_[pos_] != ')') {
      std::string a = atom(depth);
      a += quantifier();
      out += (out.empty() ? "" : " ") + a;
    }
    return out.empty() ? "\"\"" : out;
  }

  std::string quantifier() {
    if (pos_ >= end_) return "";
    std::string q;
    const char c = p_[pos_];
    if (c == '*' || c == '+' || c == '?') {
      q = std::string(1, c);
      ++pos_;
    } else if (c == '{') {
      const size_t close = p_.find('}', pos_);
      if (close == std::string::npos || close >= end_) error("unclosed {");
      const std::string body = p_.substr(pos_ + 1, close - pos_ - 1);
      for (char b : body)
        if (!(b >= '0' && b <= '9') && b != ',') error("bad {m,n}");
      if (body.empty() || body[0] == ',') error("bad {m,n}");
      q = "{" + body + "}";
      pos_ = close + 1;
    } else {
      return "";
    }
    if (pos_ < end_ && p_[pos_] == '?') ++pos_;  // lazy: the same language
    if (pos_ < end_ && (p_[pos_] == '*' || p_[pos_] == '+' || p_[pos_] == '?' || p_[pos_] == '{'))
      error("nested quantifier");
    return q;
  }

  static std::string json_char_literal(uint32_t c) {
    switch (c) {
      case '"':
        return "\"\\\\\\\"\"";  // JSON \" as GBNF "\\\""
      case '\\':
        return "\"\\\\\\\\\"";  // JSON \\ as GBNF "\\\\"
      case '\n':
        return "\"\\\\n\"";
      case '\t':
        return "\"\\\\t\"";
      case '\r':
        return "\"\\\\r\"";
      default:
        break;
    }
    if (c < 0x20) return fmt::format("\"\\\\u{:04x}\"", c);
    return fmt::format("[\\U{:08X}]", c);
  }

  uint32_t utf8_at() {
    const auto b = static_cast<unsigned char>(p_[pos_]);
    int n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    uint32_t v = n == 1 ? b : b & (0x3F >> (n - 1));
    ++pos_;
    for (int i = 1; i < n && pos_ < end_; ++i)
      v = (v << 6) | (static_cast<unsigned char>(p_[pos_++]) & 0x3F);
    return v;
  }

  std::string atom(int depth) {
    const char c = p_[pos_];
    if (c == '(') {
      ++pos_;
      if (p_.compare(pos_, 2, "?:") == 0)
        pos_ += 2;
      else if (pos_ < end_ && p_[pos_] == '?')
        error("lookarounds and named groups are not supported");
      std::string inner = alternatives(depth + 1);
      if (pos_ >= end_ || p_[pos_] != ')') error("unclosed (");
      ++pos_;
      return "(" + inner + ")";
    }
    if (c == '[') return char_class();
    if (c == '.') {
      ++pos_;
      return fmt::format("[^{}]", kJsonExcluded);
    }
    if (c == '*' || c == '+' || c == '?' || c == '{') error("quantifier without an item");
    if (c == '^' || c == '$') error("anchors inside the pattern are not supported");
    if (c == '\\') {
      if (pos_ + 1 >= end_) error("trailing backslash");
      const char e = p_[pos_ + 1];
      pos_ += 2;
      switch (e) {
        case 'd':
          return "[0-9]";
        case 'D':
          return fmt::format("[^0-9{}]", kJsonExcluded);
        case 'w':
          return "[a-zA-Z0-9_]";
        case 'W':
          return fmt::format("[^a-zA-Z0-9_{}]", kJsonExcluded);
        case 's':
          return "\" \"";
        case 'S':
          return fmt::format("[^ {}]", kJsonExcluded);
        case 'n':
          return json_char_literal('\n');
        case 't':
          return json_char_literal('\t');
        case 'r':
          return json_char_literal('\r');
        default:
          break;
      }
      if ((e >= '0' && e <= '9') || e == 'b' || e == 'B' || e == 'k' || e == 'p' || e == 'P' ||
          e == 'u' || e == 'x' || e == 'c')
        error(fmt::format("\\{} is not supported", e));
      return json_char_literal(static_cast<unsigned char>(e));
    }
    return json_char_literal(utf8_at());
  }

  // One class item as GBNF class text; `negated` classes get the JSON exclusions appended.
  std::string class_char(uint32_t c) {
    if (c == '"' || c == '\\' || c < 0x20)
      error("classes holding \" \\ or control characters are not supported");
    return fmt::format("\\U{:08X}", c);
  }

  std::string char_class() {
    ++pos_;
    bool negated = false;
    if (pos_ < end_ && p_[pos_] == '^') {
      negated = true;
      ++pos_;
    }
    std::string items;
    bool first = true;
    while (pos_ < end_ && (p_[pos_] != ']' || first)) {
      first = false;
      uint32_t lo;
      if (p_[pos_] == '\\') {
        if (pos_ + 1 >= end_) error("trailing backslash");
        const char e = p_[pos_ + 1];
        pos_ += 2;
        if (e == 'd') {
          items += "0-9";
          continue;
        }
        if (e == 'w') {
          items += "a-zA-Z0-9_";
          continue;
        }
        if (e == 's') {
          items += " ";
          continue;
        }
        if (e == 'D' || e == 'W' || e == 'S' || e == 'b')
          error(fmt::format("\\{} inside a class is not supported", e));
        lo = static_cast<unsigned char>(e);
        if (e == 'n' || e == 't' || e == 'r')
          error("control characters in a class are not supported");
      } else {
        lo = utf8_at();
      }
      if (pos_ + 1 < end_ && p_[pos_] == '-' && p_[pos_ + 1] != ']') {
        ++pos_;
        uint32_t hi;
        if (p_[pos_] == '\\') {
          if (pos_ + 1 >= end_) error("trailing backslash");
          hi = static_cast<unsigned char>(p_[pos_ + 1]);
          pos_ += 2;
        } else {
          hi = utf8_at();
        }
        if (hi < lo) error("class range out of order");
        if (lo < 0x80 && hi >= '"' && lo <= '\\' && (lo <= '"' || hi >= '\\'))
          error("class ranges spanning \" or \\ are not supported");
        items += class_char(lo) + "-" + class_char(hi);
      } else {
        items += class_char(lo);
      }
    }
    if (pos_ >= end_) error("unclosed [");
    ++pos_;
    if (negated) return fmt::format("[^{}{}]", items, kJsonExcluded);
    if (items.empty()) error("empty class");
    return "[" + items + "]";
  }

  const std::string& p_;
  const std::string& path_;
  size_t pos_ = 0, end_ = 0;
};

}  // namespace

std::string pattern_to_gbnf(const std::string& pattern, const std::string& path) {
  return PatternParser(pattern, path).run();
}

}  // namespace hearth::grammar

#include "grammar/gbnf_rename.hpp"

namespace hearth::grammar {
namespace {

// Rule-name characters, as the GBNF parser reads them.
bool is_word(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

// Copies a quoted literal or a class from s[i] (at its opening character) up to and including
// its closing one, honouring backslash escapes.
size_t copy_delimited(std::string_view s, size_t i, char close, std::string& out) {
  out += s[i++];
  while (i < s.size()) {
    const char c = s[i++];
    out += c;
    if (c == '\\' && i < s.size()) {
      out += s[i++];
    } else if (c == close) {
      break;
    }
  }
  return i;
}

}  // namespace

std::string prefix_rule_names(std::string_view s, std::string_view prefix) {
  std::string out;
  out.reserve(s.size() * 2);
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '"') {
      i = copy_delimited(s, i, '"', out);
    } else if (c == '[') {
      i = copy_delimited(s, i, ']', out);
    } else if (c == '#') {
      while (i < s.size() && s[i] != '\n') out += s[i++];
    } else if (c == '{') {  // repetition bounds {m,n}: digits, not names
      while (i < s.size() && s[i] != '}') out += s[i++];
    } else if (is_word(c)) {
      out += prefix;
      while (i < s.size() && is_word(s[i])) out += s[i++];
    } else {
      out += s[i++];
    }
  }
  return out;
}

}  // namespace hearth::grammar

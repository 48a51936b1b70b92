#include "toolcall/json_scan.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace hearth::toolcall {
namespace {

constexpr auto npos = std::string_view::npos;

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

size_t skip_space(std::string_view s, size_t i) {
  while (i < s.size() && is_space(s[i])) ++i;
  return i;
}

// The end of the string token at s[pos] == '"' (past the closing quote), or npos.
size_t string_end(std::string_view s, size_t pos) {
  for (size_t i = pos + 1; i < s.size(); ++i) {
    if (s[i] == '\\')
      ++i;
    else if (s[i] == '"')
      return i + 1;
  }
  return npos;
}

// The end of any JSON value at s[pos] (valid JSON assumed for scalars).
size_t any_end(std::string_view s, size_t pos) {
  if (pos >= s.size()) return npos;
  if (s[pos] == '{' || s[pos] == '[') return json_value_end(s, pos);
  if (s[pos] == '"') return string_end(s, pos);
  size_t i = pos;
  while (i < s.size() && !is_space(s[i]) && s[i] != ',' && s[i] != '}' && s[i] != ']') ++i;
  return i;
}

}  // namespace

size_t json_value_end(std::string_view s, size_t pos) {
  std::string stack;  // the closing brackets expected
  bool in_string = false;
  for (size_t i = pos; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    switch (c) {
      case '"':
        if (stack.empty()) return std::string_view::npos;  // pos was not at a bracket
        in_string = true;
        break;
      case '{':
      case '[':
        if (stack.size() >= kMaxScanDepth) return std::string_view::npos;
        stack.push_back(c == '{' ? '}' : ']');
        break;
      case '}':
      case ']':
        if (stack.empty() || stack.back() != c) return std::string_view::npos;
        stack.pop_back();
        if (stack.empty()) return i + 1;
        break;
      default:
        if (stack.empty()) return std::string_view::npos;
    }
  }
  return std::string_view::npos;
}

Span json_member(std::string_view s, Span object, std::string_view key) {
  Span found;
  if (!object.found() || object.begin >= s.size() || s[object.begin] != '{') return found;
  size_t i = skip_space(s, object.begin + 1);
  while (i < object.end && s[i] == '"') {
    const size_t key_end = string_end(s, i);
    if (key_end == npos) return found;
    std::string name;
    try {
      name = nlohmann::json::parse(s.substr(i, key_end - i)).get<std::string>();
    } catch (const nlohmann::json::exception&) {
      return found;
    }
    i = skip_space(s, key_end);
    if (i >= s.size() || s[i] != ':') return found;
    i = skip_space(s, i + 1);
    const size_t value_end = any_end(s, i);
    if (value_end == npos) return found;
    if (name == key) found = Span{i, value_end};
    i = skip_space(s, value_end);
    if (i < s.size() && s[i] == ',') i = skip_space(s, i + 1);
  }
  return found;
}

std::vector<Span> json_elements(std::string_view s, Span array) {
  std::vector<Span> out;
  if (!array.found() || array.begin >= s.size() || s[array.begin] != '[') return out;
  size_t i = skip_space(s, array.begin + 1);
  while (i < array.end && s[i] != ']') {
    const size_t e = any_end(s, i);
    if (e == npos) break;
    out.push_back({i, e});
    i = skip_space(s, e);
    if (i < s.size() && s[i] == ',') i = skip_space(s, i + 1);
  }
  return out;
}

std::string JsonMinifier::feed(std::string_view piece) {
  std::string out;
  for (const char c : piece) {
    if (in_string_) {
      if (escaped_)
        escaped_ = false;
      else if (c == '\\')
        escaped_ = true;
      else if (c == '"')
        in_string_ = false;
    } else if (is_space(c)) {
      continue;
    } else if (c == '"') {
      in_string_ = true;
    }
    out += c;
  }
  return out;
}

std::string minify_json(std::string_view s) {
  return JsonMinifier().feed(s);
}

}  // namespace hearth::toolcall

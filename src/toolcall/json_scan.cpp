#include "toolcall/json_scan.hpp"

#include <string>

namespace hearth::toolcall {

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

}  // namespace hearth::toolcall

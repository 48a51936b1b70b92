// Python call syntax as Llama 3.x writes tool calls: `<|python_tag|>brave_search.call(query="x")`
// for built-in tools and `[get_weather(city="Oslo"), f(n=2)]` (Llama 3.2's list form). Only
// keyword arguments with literal values: strings ('..' or ".." with escapes), numbers, True,
// False, None, and lists / dicts of those.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hearth::toolcall {

struct PythonCall {
  std::string name;       // without a trailing ".call"
  std::string arguments;  // the keyword arguments as a compact JSON object
};

// Calls separated by ',' ';' or newlines. Throws std::runtime_error saying what is wrong.
std::vector<PythonCall> parse_python_calls(std::string_view text);

}  // namespace hearth::toolcall

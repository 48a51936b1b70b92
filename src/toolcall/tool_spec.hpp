// Tools as OpenAI's chat API defines them ({"type": "function", "function": {"name",
// "description", "parameters": JSON Schema}}) and tool_choice ("auto", "none", "required",
// {"type": "function", "function": {"name": ...}}), parsed and validated once for every caller
// (server, C ABI, CLI).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hearth::toolcall {

struct ToolSpec {
  std::string name;             // [A-Za-z0-9_-]{1,64}, as OpenAI requires
  std::string description;      // "" when absent
  std::string parameters_json;  // a JSON Schema object ("{}" when absent: any arguments)
};

enum class ChoiceMode { kAuto, kNone, kRequired, kNamed };

struct ToolChoice {
  ChoiceMode mode = ChoiceMode::kAuto;
  std::string name;  // kNamed: the function that must be called
};

// Parses a JSON array of tool definitions. Throws Error(kInvalidArgument) naming the entry at
// fault ("tools[1].function.name ..."): not an array, a type other than "function", a missing
// or invalid name, duplicate names, parameters that are not an object.
std::vector<ToolSpec> parse_tools(std::string_view tools_json);

// Parses tool_choice: a JSON string ("auto", "none", "required") or the named-function object.
// "" means the default: auto. Throws Error(kInvalidArgument); a named function must be one of
// `tools`, and "required"/named need at least one tool.
ToolChoice parse_tool_choice(std::string_view choice_json, const std::vector<ToolSpec>& tools);

// The tools back as the JSON array templates receive (every tool {"type": "function",
// "function": {...}}, parameters as objects).
std::string tools_to_json(const std::vector<ToolSpec>& tools);

}  // namespace hearth::toolcall

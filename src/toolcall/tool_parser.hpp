// A model's reply read back into tool calls, for the formats of tool_format.hpp.
//
// Robustness (tests/fuzz/fuzz_tool_parser.cpp): any bytes give a result, never a crash. A reply
// with no call opening is plain content. A reply that opens a call the parser cannot read
// (truncated JSON, arguments that are not an object, a name that is not a string) comes back as
// plain content with `error` saying what was wrong, so a caller can show the text or retry.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "toolcall/tool_format.hpp"

namespace hearth::toolcall {

struct ToolCall {
  std::string id;  // as the model wrote it (Mistral), else "" (the caller assigns one)
  std::string name;
  std::string arguments;  // a JSON object, compact ("{}" when the model gave none)
};

struct ParsedReply {
  std::string content;  // the text around the calls, trimmed ("" when there is none)
  std::vector<ToolCall> calls;
  std::string error;  // non-empty: a call was opened but unreadable; content is the whole reply
};

// `known_names`: the offered tools' names. Outside kGeneric, a reply that is only a bare JSON
// call object (no format marker) counts as a call when it names one of them.
ParsedReply parse_tool_reply(std::string_view text, ToolFormat format,
                             const std::vector<std::string>& known_names = {});

}  // namespace hearth::toolcall

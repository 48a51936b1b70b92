// The grammar that makes a model write a valid tool call in its family's format: the function
// name is one of the offered tools and the arguments validate against that tool's parameters
// (each converted with grammar::json_schema_to_gbnf).
//
//   tool_choice "required" / named  eager: the reply is the call(s) from its first token
//   tool_choice "auto"              lazy: free text until the format's opening (the triggers);
//                                   from there on the call must be valid
//   tool_choice "none"              no grammar (and no tools in the prompt)
#pragma once

#include <string>
#include <vector>

#include "toolcall/tool_format.hpp"
#include "toolcall/tool_spec.hpp"

namespace hearth::toolcall {

struct ToolGrammar {
  std::string gbnf;                   // "" for tool_choice none
  std::vector<std::string> triggers;  // non-empty: lazy (SamplerConfig::grammar_triggers)
};

// The texts that open a call in `format` (the lazy grammar's triggers; streaming holds text
// back from the first of them).
std::vector<std::string> format_triggers(ToolFormat format);

// Throws Error(kInvalidArgument) when a tool's parameters use JSON Schema the converter does
// not support (the message names the tool).
// parallel: several calls in one reply (OpenAI's parallel_tool_calls, default true), at most 8.
ToolGrammar tool_call_grammar(const std::vector<ToolSpec>& tools, const ToolChoice& choice,
                              ToolFormat format, bool parallel = true);

}  // namespace hearth::toolcall

// One request's tools as every non-HTTP caller gives them (C ABI, CLI, Python through the C
// ABI): the tools array and tool_choice as text, the grammar they put in the sampler, and the
// reply's calls as OpenAI's `tool_calls` JSON. The server parses the same pieces from its JSON
// body (src/server/request_params.cpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sampler/sampler_config.hpp"
#include "toolcall/tool_format.hpp"
#include "toolcall/tool_parser.hpp"
#include "toolcall/tool_spec.hpp"

namespace hearth::toolcall {

struct ToolRequest {
  std::vector<ToolSpec> tools;
  ToolChoice choice;
  bool parallel = true;  // up to 8 calls in one reply (OpenAI's parallel_tool_calls), else one
  // Tools reach the prompt and the grammar: some tools, and tool_choice is not "none".
  bool offered() const { return !tools.empty() && choice.mode != ChoiceMode::kNone; }
  // The grammar applies from the first token (tool_choice "required" or a function's name).
  bool eager() const { return offered() && choice.mode != ChoiceMode::kAuto; }
  std::vector<std::string> names() const;
};

// tools_json: OpenAI's tools array ("" = no tools; tool_choice is then ignored). tool_choice:
// "" or "auto", "none", "required", a function's name, or OpenAI's JSON object. Throws
// Error(kInvalidArgument) naming the field ("tools: tools[1].function.name ...",
// "tool_choice: ...").
// max_tool_calls: 0 = parallel (up to 8), 1 = one call; anything else is kInvalidArgument.
ToolRequest parse_tool_request(std::string_view tools_json, std::string_view tool_choice,
                               int max_tool_calls = 0);

// Puts the tools' grammar into `sampler` (eager for a forced choice, lazy with triggers for
// "auto"). Throws Error(kInvalidArgument) when the sampler already has a grammar, or when a
// forced choice offers tools whose parameters the schema converter cannot enforce ("auto" then
// stays unconstrained, as the server does).
void apply_tool_grammar(const ToolRequest& tools, ToolFormat format, SamplerConfig& sampler);

// The calls of `reply` as an OpenAI tool_calls array ([{"id", "type": "function", "function":
// {"name", "arguments": JSON text}}]; ids: the model's, else "call_" and 9 random letters, or
// the 9 letters alone for the Mistral formats, whose templates require exactly that);
// "[]" when there are none or the reply could not be read.
std::string openai_tool_calls(const ParsedReply& reply, ToolFormat format = ToolFormat::kHermes);

}  // namespace hearth::toolcall

// The ways model families write tool calls, and which one a chat template expects. Each format
// is documented by the family's own chat template (the ones in testdata/templates render the
// calls of earlier turns exactly as the model is trained to write them):
//   kHermes     <tool_call>\n{"name": "f", "arguments": {...}}\n</tool_call>, one block per call
//               (NousResearch Hermes 2 Pro / 3, Qwen 2.5 / 3: their templates' tool prompt)
//   kLlama3     {"name": "f", "parameters": {...}} as the whole reply, or after <|python_tag|>
//               (Meta's Llama 3.1 / 3.2 / 3.3 templates; also <|python_tag|>f.call(k=v, ...),
//               the built-in tools' Python form, and the [f(k=v), g(...)] list of Llama 3.2)
//   kMistral    [TOOL_CALLS][{"name": "f", "arguments": {...}, "id": "..."}, ...] (v3 tokenizer:
//               Mistral Nemo), or [TOOL_CALLS]f[ARGS]{...} per call, with an optional
//               [CALL_ID]id before [ARGS] (v11+: Mistral Small 3.2, Devstral)
//   kGeneric    the reply is a JSON object {"name": "f", "arguments": {...}} (or "parameters"),
//               an array of them, or {"tool_calls": [...]}; a ```json fence around it is allowed
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hearth::toolcall {

enum class ToolFormat { kHermes, kLlama3, kMistral, kMistralArgs, kGeneric };

const char* format_name(ToolFormat f);

// The format a chat template's tool rendering shows. A template that never mentions tools (or
// no template: the ChatML fallback) gets kHermes, with the tools described in a system message
// (tool_prompt.hpp); `renders_tools` says whether the template takes `tools` itself.
struct TemplateTools {
  ToolFormat format = ToolFormat::kHermes;
  bool renders_tools = false;
};
TemplateTools detect_tool_format(const std::optional<std::string>& chat_template);

}  // namespace hearth::toolcall

#include "toolcall/tool_format.hpp"

namespace hearth::toolcall {

const char* format_name(ToolFormat f) {
  switch (f) {
    case ToolFormat::kHermes:
      return "hermes";
    case ToolFormat::kLlama3:
      return "llama3";
    case ToolFormat::kMistral:
      return "mistral";
    case ToolFormat::kMistralArgs:
      return "mistral-args";
    case ToolFormat::kGeneric:
      return "generic";
  }
  return "generic";
}

TemplateTools detect_tool_format(const std::optional<std::string>& chat_template) {
  TemplateTools t;
  if (!chat_template) return t;
  const std::string& s = *chat_template;
  auto has = [&](const char* x) { return s.find(x) != std::string::npos; };
  // A template that only reads tool messages but never `tools` cannot describe the tools.
  t.renders_tools = has("tools");
  if (has("<tool_call>"))
    t.format = ToolFormat::kHermes;
  else if (has("[TOOL_CALLS]"))
    t.format = has("[ARGS]") ? ToolFormat::kMistralArgs : ToolFormat::kMistral;
  else if (has("<|python_tag|>") || has("\"parameters\": "))
    t.format = ToolFormat::kLlama3;
  else if (t.renders_tools)
    t.format = ToolFormat::kGeneric;
  return t;
}

}  // namespace hearth::toolcall

// A conversation with tools made ready for the chat template.
//
// A template that takes `tools` (Qwen 2.5, Hermes, Llama 3.x, Mistral...) gets them as
// RenderOptions::tools_json, and renders earlier calls and results itself. A template that does
// not (or the ChatML fallback) gets the tools described in the system message in the Hermes
// format, earlier calls written as <tool_call> blocks in the assistant's text, and results as
// <tool_response> blocks in a user turn, the way Qwen 2.5's template writes them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "template/chat_template.hpp"
#include "toolcall/tool_format.hpp"
#include "toolcall/tool_spec.hpp"

namespace hearth::toolcall {

struct ToolConversation {
  std::vector<tmpl::ChatMessage> messages;
  std::string tools_json;  // for RenderOptions::tools_json; "" when tools are not rendered
};

// tool_choice "none" leaves the tools out of the prompt altogether.
ToolConversation prepare_tool_prompt(const std::vector<tmpl::ChatMessage>& messages,
                                     const std::vector<ToolSpec>& tools, const ToolChoice& choice,
                                     const TemplateTools& how);

// Tool results added without the id of the call they answer (hearth_session_add_message(s,
// "tool", text), `hearth chat --tools`) get it, and the function's name, from the assistant turn
// before them: the k-th result after a turn with calls answers its k-th call. Templates such as
// Mistral's refuse a result without its call's id. Results that carry an id are left as they are.
std::vector<tmpl::ChatMessage> link_tool_results(std::vector<tmpl::ChatMessage> messages);

// OpenAI's assistant `tool_calls` (arguments as JSON strings) as templates expect them
// (arguments as objects, "type": "function"). Throws Error(kInvalidArgument) naming what is
// wrong.
std::string template_tool_calls(std::string_view openai_tool_calls_json);

}  // namespace hearth::toolcall

// A conversation with tools rendered into prompt tokens for a model, the way the engine renders
// a plain conversation (engine/chat_prompt.hpp: the model's template, else ChatML; BOS unless
// the template wrote it) plus the tools: the template's own `tools` variable when it takes one,
// else the Hermes system prompt (tool_prompt.hpp). Used by the C ABI's engine requests.
#pragma once

#include <cstdint>
#include <vector>

#include "hearth/model.hpp"
#include "template/chat_template.hpp"
#include "toolcall/tool_format.hpp"
#include "toolcall/tool_spec.hpp"

namespace hearth::toolcall {

struct ToolChatPrompt {
  std::vector<int32_t> tokens;
  TemplateTools how;  // the format the model is asked to write calls in
};

// Throws like engine::chat_prompt_tokens: kInvalidArgument (unknown role, invalid UTF-8, no
// messages), kUnsupported (no tokenizer), kTemplateError.
ToolChatPrompt tool_chat_prompt(const Model& model, const std::vector<tmpl::ChatMessage>& messages,
                                const std::vector<ToolSpec>& tools, const ToolChoice& choice);

}  // namespace hearth::toolcall

#include "toolcall/tool_chat_prompt.hpp"

#include "hearth/error.hpp"
#include "hearth/tokenizer.hpp"
#include "session/session.hpp"
#include "template/model_template.hpp"
#include "toolcall/tool_prompt.hpp"

namespace hearth::toolcall {

ToolChatPrompt tool_chat_prompt(const Model& model, const std::vector<tmpl::ChatMessage>& messages,
                                const std::vector<ToolSpec>& tools, const ToolChoice& choice) {
  const Tokenizer* tok = model.tokenizer();
  if (!tok) fail(Status::kUnsupported, "the model has no (supported) tokenizer");
  if (messages.empty()) fail(Status::kInvalidArgument, "the conversation has no messages");
  for (const auto& m : messages) validate_chat_message(m.role, m.content);
  const tmpl::ModelChatDefaults d = tmpl::model_chat_defaults(model.file(), tok);
  ToolChatPrompt out;
  out.how = detect_tool_format(d.chat_template);
  const ToolConversation conv =
      prepare_tool_prompt(link_tool_results(messages), tools, choice, out.how);
  tmpl::RenderOptions opt;
  opt.add_generation_prompt = true;
  opt.bos_token = d.bos_text;
  opt.eos_token = d.eos_text;
  opt.tools_json = conv.tools_json;
  const std::string text = tmpl::render_or_fallback(d.chat_template, conv.messages, opt);
  out.tokens = tmpl::chat_text_tokens(*tok, text);
  return out;
}

}  // namespace hearth::toolcall

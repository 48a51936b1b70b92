#include "engine/chat_prompt.hpp"

#include "hearth/error.hpp"
#include "hearth/tokenizer.hpp"
#include "session/session.hpp"
#include "template/model_template.hpp"

namespace hearth::engine {

std::vector<int32_t> chat_prompt_tokens(const Model& model,
                                        const std::vector<tmpl::ChatMessage>& messages) {
  const Tokenizer* tok = model.tokenizer();
  if (!tok) fail(Status::kUnsupported, "the model has no (supported) tokenizer");
  if (messages.empty()) fail(Status::kInvalidArgument, "the conversation has no messages");
  for (const auto& m : messages) validate_chat_message(m.role, m.content);
  const tmpl::ModelChatDefaults d = tmpl::model_chat_defaults(model.file(), tok);
  tmpl::RenderOptions opt;
  opt.add_generation_prompt = true;
  opt.bos_token = d.bos_text;
  opt.eos_token = d.eos_text;
  const std::string text = tmpl::render_or_fallback(d.chat_template, messages, opt);
  return tmpl::chat_text_tokens(*tok, text);
}

}  // namespace hearth::engine

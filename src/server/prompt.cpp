#include "server/prompt.hpp"

#include "hearth/error.hpp"
#include "hearth/tokenizer.hpp"
#include "server/api_error.hpp"
#include "template/model_template.hpp"

namespace hearth::server {

namespace {
const Tokenizer& tokenizer_of(const Model& model) {
  if (!model.tokenizer())
    throw ApiError(400, "the model has no tokenizer: send token ids", "prompt");
  return *model.tokenizer();
}
std::string text_of(const Tokenizer& t, int32_t id) {
  return id >= 0 ? t.token_text(id) : "";
}
}  // namespace

std::vector<int32_t> chat_prompt_tokens(const Model& model, const std::string& chat_template,
                                        const std::vector<tmpl::ChatMessage>& messages,
                                        const std::string& tools_json) {
  const Tokenizer& tok = tokenizer_of(model);
  std::string text;
  try {
    if (chat_template.empty()) {
      text = tmpl::render_fallback_chat(messages, true);
    } else {
      tmpl::RenderOptions opt;
      opt.add_generation_prompt = true;
      opt.bos_token = text_of(tok, tok.bos());
      opt.eos_token = text_of(tok, tok.eos());
      opt.tools_json = tools_json;
      text = tmpl::render_chat_template(chat_template, messages, opt);
    }
  } catch (const Error& e) {
    throw ApiError(400, std::string("the chat template failed for these messages: ") + e.what(),
                   "messages");
  }
  return tmpl::chat_text_tokens(tok, text);
}

std::vector<int32_t> completion_prompt_tokens(const Model& model, const std::string& prompt) {
  return tokenizer_of(model).encode(prompt, true, false);
}

}  // namespace hearth::server

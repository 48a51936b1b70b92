#include "template/model_template.hpp"

namespace hearth::tmpl {

namespace {

std::string token_text_or_empty(const Tokenizer* tokenizer, int32_t id) {
  if (!tokenizer || id < 0 || id >= tokenizer->n_vocab()) return "";
  return tokenizer->token_text(id);
}

}  // namespace

ModelChatDefaults model_chat_defaults(const GgufFile& file, const Tokenizer* tokenizer) {
  ModelChatDefaults d;
  d.chat_template = file.get_string("tokenizer.chat_template");
  if (d.chat_template && d.chat_template->empty()) d.chat_template.reset();
  if (tokenizer) {
    d.bos_text = token_text_or_empty(tokenizer, tokenizer->bos());
    d.eos_text = token_text_or_empty(tokenizer, tokenizer->eos());
  }
  return d;
}

std::vector<int32_t> chat_text_tokens(const Tokenizer& tokenizer, const std::string& text) {
  std::vector<int32_t> tokens;
  const std::string bos_text = token_text_or_empty(&tokenizer, tokenizer.bos());
  if (tokenizer.add_bos() && tokenizer.bos() >= 0 &&
      (bos_text.empty() || text.compare(0, bos_text.size(), bos_text) != 0))
    tokens.push_back(tokenizer.bos());
  const std::vector<int32_t> body = tokenizer.encode(text, false, true);
  tokens.insert(tokens.end(), body.begin(), body.end());
  return tokens;
}

std::string render_or_fallback(const std::optional<std::string>& tmpl,
                               const std::vector<ChatMessage>& messages,
                               const RenderOptions& options) {
  if (tmpl) return render_chat_template(*tmpl, messages, options);
  return render_fallback_chat(messages, options.add_generation_prompt);
}

}  // namespace hearth::tmpl

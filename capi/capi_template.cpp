// hearth_chat_template_apply: renders a conversation with a Jinja chat template (the caller's,
// or the model's tokenizer.chat_template, or the ChatML fallback for models without one).
#include <fmt/format.h>

#include <optional>
#include <vector>

#include "capi_internal.hpp"
#include "template/model_template.hpp"
#include "template/utf8.hpp"

using namespace hearth::capi;

namespace {

// Strings reach the template byte for byte, so they must be UTF-8 (JSON output, slicing and
// length count code points); invalid input is refused rather than passed on garbled.
std::string utf8_argument(const char* text, const std::string& what) {
  std::string s(text);
  if (!hearth::tmpl::utf8_valid(s)) invalid(what + " is not valid UTF-8");
  return s;
}

}  // namespace

extern "C" {

HEARTH_API hearth_status hearth_chat_template_apply(const hearth_model* model, const char* tmpl,
                                                    const hearth_chat_message* messages,
                                                    size_t n_messages, int add_generation_prompt,
                                                    const char* bos, const char* eos, char* buf,
                                                    size_t capacity, size_t* out_len) {
  return guarded([&] {
    require(out_len, "out_len");
    if (!tmpl && !model) invalid("either tmpl or model must be given");
    if (n_messages > 0) require(messages, "messages");
    std::vector<hearth::tmpl::ChatMessage> conversation;
    conversation.reserve(n_messages);
    for (size_t i = 0; i < n_messages; ++i) {
      const std::string where = fmt::format("messages[{}]", i);
      if (!messages[i].role) invalid(where + ".role is NULL");
      if (!messages[i].content) invalid(where + ".content is NULL");
      conversation.push_back({utf8_argument(messages[i].role, where + ".role"),
                              utf8_argument(messages[i].content, where + ".content")});
    }
    hearth::tmpl::ModelChatDefaults defaults;
    if (model) defaults = hearth::tmpl::model_chat_defaults(*model->gguf, model->tokenizer.get());
    std::optional<std::string> source = defaults.chat_template;
    if (tmpl) source = utf8_argument(tmpl, "tmpl");
    hearth::tmpl::RenderOptions options;
    options.add_generation_prompt = add_generation_prompt != 0;
    options.bos_token = bos ? utf8_argument(bos, "bos") : defaults.bos_text;
    options.eos_token = eos ? utf8_argument(eos, "eos") : defaults.eos_text;
    return write_text(hearth::tmpl::render_or_fallback(source, conversation, options), buf,
                      capacity, out_len);
  });
}

}  // extern "C"

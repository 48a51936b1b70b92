// What a model file contributes to chat rendering: its tokenizer.chat_template and the text of
// its BOS/EOS tokens. Shared by the C ABI and the CLI so both pick the same defaults.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hearth/gguf.hpp"
#include "hearth/tokenizer.hpp"
#include "template/chat_template.hpp"

namespace hearth::tmpl {

struct ModelChatDefaults {
  std::optional<std::string> chat_template;  // tokenizer.chat_template, if the file has one
  std::string bos_text;                      // "" when the model has no BOS token
  std::string eos_text;
};

// `tokenizer` may be null (a file without tokenizer metadata).
ModelChatDefaults model_chat_defaults(const GgufFile& file, const Tokenizer* tokenizer);

// Renders `tmpl` when given, else the ChatML fallback (which uses no BOS/EOS).
std::string render_or_fallback(const std::optional<std::string>& tmpl,
                               const std::vector<ChatMessage>& messages,
                               const RenderOptions& options);

// The prompt tokens of a rendered chat: BOS first when the tokenizer adds one and the template
// did not write its text already (templates often do; a second would give a double BOS), then
// the text with special-token text parsed. The one rule for sessions, the engine, tool prompts
// and the server.
std::vector<int32_t> chat_text_tokens(const Tokenizer& tokenizer, const std::string& text);

}  // namespace hearth::tmpl

// Chat-template rendering: a Jinja interpreter for the `tokenizer.chat_template` strings real
// models ship (see docs/templates.md once written). Internal header; the C ABI exposes it as
// hearth_chat_template_apply and sessions use it to turn a conversation into prompt text.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hearth::tmpl {

struct ChatMessage {
  std::string role;     // "system", "user", "assistant", "tool"
  std::string content;  // UTF-8
  // Tool calling (docs/tools.md), as Hugging Face passes them to templates:
  std::string tool_calls_json = {};  // assistant: JSON array of {"type", "function": {"name",
                                     // "arguments": object}, "id"}; "" = none
  std::string tool_call_id = {};     // tool: the call this result answers ("" = none)
  std::string name = {};             // tool: the function's name ("" = none)
};

struct RenderOptions {
  bool add_generation_prompt = false;
  std::string bos_token;
  std::string eos_token;
  // Seconds since the Unix epoch that strftime_now() formats (UTC); < 0: the current time.
  int64_t now_unix_seconds = -1;
  // JSON array of OpenAI tool definitions ({"type": "function", "function": {...}}), the
  // template's `tools`; "" leaves it undefined.
  std::string tools_json;
};

// Renders `source` (Jinja) for `messages`. Throws hearth::Error(Status::kTemplateError, ...) when
// the template does not parse, raises an exception (raise_exception) or fails while rendering; the
// message says what and where (line).
std::string render_chat_template(const std::string& source,
                                 const std::vector<ChatMessage>& messages,
                                 const RenderOptions& options);

// The conversation in ChatML (<|im_start|>role\ncontent<|im_end|>\n...), used for models that
// carry no chat template.
std::string render_fallback_chat(const std::vector<ChatMessage>& messages,
                                 bool add_generation_prompt);

}  // namespace hearth::tmpl

// TEMPORARY stand-in for src/template/ while the Jinja interpreter is developed on another
// branch: DELETE THIS FILE when merging that branch (it provides both functions below).
// render_fallback_chat is real ChatML; render_chat_template only reports that it is missing.
#include "hearth/error.hpp"
#include "template/chat_template.hpp"

namespace hearth::tmpl {

std::string render_chat_template(const std::string&, const std::vector<ChatMessage>&,
                                 const RenderOptions&) {
  fail(Status::kUnsupported, "Jinja chat templates are not available in this build (stub)");
}

std::string render_fallback_chat(const std::vector<ChatMessage>& messages,
                                 bool add_generation_prompt) {
  std::string out;
  for (const auto& m : messages) out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
  if (add_generation_prompt) out += "<|im_start|>assistant\n";
  return out;
}

}  // namespace hearth::tmpl

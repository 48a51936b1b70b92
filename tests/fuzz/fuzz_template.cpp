// libFuzzer target: any bytes as a chat template (seeded with the shared real templates) must
// render or fail with hearth::Error(kTemplateError) — never crash, hang, leak or overflow the
// stack, whatever the nesting, loops or data the template builds.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "hearth/error.hpp"
#include "template/chat_template.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<hearth::tmpl::ChatMessage> messages = {{"system", "Be brief."},
                                                                  {"user", "Hi {{ not a tag }} é"},
                                                                  {"assistant", "Hello."},
                                                                  {"tool", "{\"x\": 1}"},
                                                                  {"user", "Bye"}};
  hearth::tmpl::RenderOptions options;
  options.add_generation_prompt = size % 2 == 0;
  options.bos_token = "<s>";
  options.eos_token = "</s>";
  options.now_unix_seconds = 1767323045;
  try {
    (void)hearth::tmpl::render_chat_template(std::string(reinterpret_cast<const char*>(data), size),
                                             messages, options);
  } catch (const hearth::Error& e) {
    if (e.status() != hearth::Status::kTemplateError) std::abort();
  }
  return 0;
}

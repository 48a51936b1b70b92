// Prompt tokens for the generation endpoints, the way the CLI makes them: chat messages through
// the model's chat template (ChatML when it has none) like `hearth chat`, completion text
// through the tokenizer with BOS like `hearth run`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hearth/model.hpp"
#include "template/chat_template.hpp"

namespace hearth::server {

// Throws ApiError 400 (param "messages") when the template fails for these messages.
// `tools_json` (docs/tools.md): the template's `tools` variable, "" for none.
std::vector<int32_t> chat_prompt_tokens(const Model& model, const std::string& chat_template,
                                        const std::vector<tmpl::ChatMessage>& messages,
                                        const std::string& tools_json = {});
std::vector<int32_t> completion_prompt_tokens(const Model& model, const std::string& prompt);

}  // namespace hearth::server

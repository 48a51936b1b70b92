// A conversation rendered into prompt tokens the way Session renders it (the model's
// tokenizer.chat_template, else ChatML; BOS added unless the template wrote it; special-token
// text parsed), so that an engine request for a conversation sees the tokens `hearth chat` would.
#pragma once

#include <cstdint>
#include <vector>

#include "hearth/model.hpp"
#include "template/chat_template.hpp"

namespace hearth::engine {

// Throws kInvalidArgument (unknown role, invalid UTF-8, no messages), kUnsupported (the model has
// no tokenizer), kTemplate (the template failed).
std::vector<int32_t> chat_prompt_tokens(const Model& model,
                                        const std::vector<tmpl::ChatMessage>& messages);

}  // namespace hearth::engine

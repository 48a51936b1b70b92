// A conversation given as OpenAI's `messages` JSON (roles system / developer / user / assistant
// / tool; an assistant turn's `tool_calls`, a tool result's `tool_call_id` and `name`), for the
// callers that cannot pass hearth's ChatMessage: the C ABI's engine requests
// (hearth_request_params.messages_json) and through it Python. The server reads the same shape
// from its request body (src/server/request_params.cpp).
#pragma once

#include <string_view>
#include <vector>

#include "template/chat_template.hpp"

namespace hearth::toolcall {

// content: a string, null (an assistant turn with calls) or a list of {"type": "text", "text"}
// parts. Throws Error(kInvalidArgument) naming the entry at fault ("messages[2].role ...").
std::vector<tmpl::ChatMessage> parse_chat_messages(std::string_view messages_json);

}  // namespace hearth::toolcall

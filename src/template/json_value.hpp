// JSON text -> template Value: the tools list and tool calls that Hugging Face's
// apply_chat_template hands to templates as Python dicts and lists.
#pragma once

#include <string>

#include "template/value.hpp"

namespace hearth::tmpl {

// Objects become dicts (key order kept), arrays lists, integers int, other numbers float.
// Throws Error(kInvalidArgument) naming `what` for invalid JSON or nesting past
// kMaxValueNesting.
Value value_from_json(const std::string& text, const char* what);

}  // namespace hearth::tmpl

// The Llama Guard prompt format and the parse of its answer: a guard model reads a conversation
// and a list of unsafe-content categories and answers "safe", or "unsafe" and a second line of
// violated category codes ("S1,S10"). Text only: guard_model.hpp runs it on an engine.
#pragma once

#include <string>
#include <vector>

#include "template/chat_template.hpp"

namespace hearth::safety {

struct GuardCategory {
  std::string code;  // "S1"
  std::string name;  // "Violent Crimes"
};

// Llama Guard 3's fourteen categories (MLCommons hazard taxonomy), as its model card lists them.
const std::vector<GuardCategory>& llama_guard3_categories();

// The task text for the last message of `conversation` ("user" or "assistant" turns only): the
// categories, the conversation as "User: ..." / "Agent: ..." paragraphs, and the instructions
// for the answer. Throws kInvalidArgument for an empty conversation or another role.
std::string guard_task(const std::vector<tmpl::ChatMessage>& conversation,
                       const std::vector<GuardCategory>& categories);

struct GuardAnswer {
  enum class Kind { kSafe, kUnsafe, kUnparseable };
  Kind kind = Kind::kUnparseable;
  std::vector<std::string> codes;  // kUnsafe: the violated categories' codes, as written
};

// Reads a guard model's reply: leading whitespace ignored, first line "safe" or "unsafe"
// (case-insensitive), then for unsafe an optional line of comma-separated codes. Anything else
// is kUnparseable (the caller decides whether that blocks).
GuardAnswer parse_guard_answer(const std::string& reply);

}  // namespace hearth::safety

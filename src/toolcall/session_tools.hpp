// A Session reply with tools offered (docs/tools.md), shared by the C ABI's
// hearth_session_generate and `hearth chat --tools`.
//
// A Session renders its own messages with its template and no `tools` variable, so the tools go
// into the system message in the Hermes format (Qwen 2.5's wording, tool_prompt.hpp) for this
// one generation, and calls are read back in that format. Afterwards the conversation is the
// caller's again with the reply appended: an assistant turn holding the calls (rendered as
// <tool_call> blocks next time), or the plain text. Tool results are "tool" messages.
#pragma once

#include <string>

#include "session/session.hpp"
#include "toolcall/tool_parser.hpp"
#include "toolcall/tool_request.hpp"

namespace hearth::toolcall {

struct SessionToolReply {
  SessionReply reply;
  ParsedReply parsed;      // content and calls (empty when cancelled)
  std::string calls_json;  // openai_tool_calls(parsed): "[]" when none
};

// The calls' format for sessions.
constexpr ToolFormat kSessionToolFormat = ToolFormat::kHermes;

// Throws what Session::generate and apply_tool_grammar throw; the conversation is then left as
// it was. A cancelled reply is not appended (as Session::generate).
SessionToolReply generate_with_tools(Session& session, const ToolRequest& tools,
                                     GenerateOptions options);

}  // namespace hearth::toolcall

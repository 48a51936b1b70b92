// A Session reply with tools offered (docs/tools.md), shared by the C ABI's
// hearth_session_generate, `hearth chat --tools` and Python's Chat (through the C ABI).
//
// The tools reach the model as the server and the engine's C ABI give them: through the
// session's chat template, which receives them as its `tools` variable when it takes one, in
// the format that template shows (detect_tool_format: Hermes/Qwen <tool_call>, Llama 3.x JSON
// and <|python_tag|>, Mistral [TOOL_CALLS], generic JSON); a template without tool support (or
// the ChatML fallback) gets the Hermes tool prompt in the system message instead. The reply is
// read back in that format. Afterwards the conversation is the caller's again with the reply
// appended: an assistant turn holding the calls (rendered by the template next time, as
// Hugging Face passes them), or the plain text. Tool results are "tool" messages; those added
// without a call id are linked to the calls in order (link_tool_results).
#pragma once

#include <string>

#include "session/session.hpp"
#include "toolcall/tool_format.hpp"
#include "toolcall/tool_parser.hpp"
#include "toolcall/tool_request.hpp"

namespace hearth::toolcall {

struct SessionToolReply {
  SessionReply reply;
  ParsedReply parsed;      // content and calls (empty when cancelled)
  std::string calls_json;  // openai_tool_calls(parsed): "[]" when none
};

// The tool format of the session's template (as the server detects it for the model's).
TemplateTools session_tool_format(const Session& session);

// Throws what Session::generate and apply_tool_grammar throw; the conversation is then left as
// it was. A cancelled reply is not appended (as Session::generate). Without tools, a
// conversation holding earlier calls or results is still rendered as described above.
SessionToolReply generate_with_tools(Session& session, const ToolRequest& tools,
                                     GenerateOptions options);

// The prompt text generate_with_tools would render for the next reply (tests, debugging).
std::string tool_prompt_text(Session& session, const ToolRequest& tools);

}  // namespace hearth::toolcall

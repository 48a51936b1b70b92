// `hearth chat --tools F.json [--tool-choice C]`: tool calling in the line-based chat
// (docs/tools.md, "Command line").
//
// Protocol (stdin and stdout stay line-based, so a program can drive the chat through a pipe):
// the reply's text streams to stdout as usual, with any tool call held back. When the reply
// calls tools, one line follows it on stdout: {"tool_calls": [...]} (OpenAI-shaped: id, type,
// function.name, function.arguments as JSON text). The chat then reads one stdin line per call,
// in order, as that call's result (a "tool" message), and replies again, until a reply calls no
// tool (at most kMaxToolRounds replies per user message). --tool-choice (auto, none, required, a
// function's name) applies to the reply to a user message; replies to tool results use auto.
#pragma once

#include <functional>
#include <istream>
#include <string>

#include "generate/generate.hpp"
#include "session/session.hpp"
#include "toolcall/tool_request.hpp"

namespace hearth::cli {

constexpr int kMaxToolRounds = 8;

class ToolChat {
 public:
  // Reads the tools array from `tools_path`; throws Error(kInvalidArgument) naming what is wrong.
  ToolChat(const std::string& tools_path, const std::string& tool_choice);

  // The replies to the user message just added. opt.on_token receives the content only (a
  // call's text is held back). Returns the last reply.
  SessionReply turn(Session& session, const GenerateOptions& opt, std::istream& in,
                    bool interactive);

 private:
  toolcall::ToolRequest first_;  // with the user's --tool-choice
  toolcall::ToolRequest later_;  // replies to tool results: auto
};

}  // namespace hearth::cli

#include "tool_chat.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>

#include "hearth/error.hpp"
#include "text_file.hpp"
#include "toolcall/session_tools.hpp"
#include "toolcall/tool_stream.hpp"

namespace hearth::cli {

ToolChat::ToolChat(const std::string& tools_path, const std::string& tool_choice) {
  const std::string tools = read_text_file(tools_path);
  first_ = toolcall::parse_tool_request(tools, tool_choice);
  later_ = toolcall::parse_tool_request(tools, "auto");
}

SessionReply ToolChat::turn(Session& session, const GenerateOptions& opt, std::istream& in,
                            bool interactive) {
  const toolcall::ToolRequest* tools = &first_;
  for (int round = 1;; ++round) {
    // Content streams; from a call's opening on, the text is held (and parsed at the end).
    // The calls are in the format of the session's template (session_tools.hpp).
    toolcall::ToolStream stream(toolcall::session_tool_format(session).format, tools->eager(),
                                tools->names());
    GenerateOptions o = opt;
    std::string shown;  // the content printed so far
    o.on_token = [&](int token, const std::string& text) {
      const std::string content = stream.push(text).content;
      shown += content;
      return content.empty() || !opt.on_token || opt.on_token(token, content);
    };
    const toolcall::SessionToolReply r = toolcall::generate_with_tools(session, *tools, o);
    std::string rest = stream.finish().content;
    // A call that opened but could not be read (cut off by -n): the reply is plain text.
    if (r.calls_json == "[]" && stream.called() &&
        r.reply.text.compare(0, shown.size(), shown) == 0)
      rest = r.reply.text.substr(shown.size());
    if (!rest.empty() && opt.on_token) opt.on_token(-1, rest);
    if (r.calls_json == "[]" || r.reply.result.stop_reason == StopReason::kCancelled)
      return r.reply;
    const nlohmann::ordered_json calls = nlohmann::ordered_json::parse(r.calls_json);
    std::printf("\n%s\n", nlohmann::ordered_json{{"tool_calls", calls}}.dump().c_str());
    std::fflush(stdout);
    for (const auto& call : calls) {
      if (interactive)
        std::fprintf(stderr, "[result of %s %s]> ",
                     call["function"]["name"].get<std::string>().c_str(),
                     call["function"]["arguments"].get<std::string>().c_str());
      std::string result;
      if (!std::getline(in, result))
        fail(Status::kInvalidArgument, "stdin ended before a tool result");
      if (!result.empty() && result.back() == '\r') result.pop_back();
      session.add_message("tool", result);
    }
    if (round == kMaxToolRounds) {
      std::fprintf(stderr, "[%d tool rounds: stopping]\n", kMaxToolRounds);
      return r.reply;
    }
    tools = &later_;
  }
}

}  // namespace hearth::cli

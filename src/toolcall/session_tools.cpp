#include "toolcall/session_tools.hpp"

#include <utility>
#include <vector>

#include "template/utf8.hpp"
#include "toolcall/tool_prompt.hpp"

namespace hearth::toolcall {
namespace {

// A reply may end in (or, from a random model, contain) bytes that are not UTF-8; Session keeps
// them, but set_messages validates: store U+FFFD in their place.
std::string valid_utf8(const std::string& s) {
  if (tmpl::utf8_valid(s)) return s;
  std::string out;
  for (const std::string& c : tmpl::utf8_chars(s)) out += tmpl::utf8_valid(c) ? c : "\xEF\xBF\xBD";
  return out;
}

}  // namespace

SessionToolReply generate_with_tools(Session& session, const ToolRequest& tools,
                                     GenerateOptions options) {
  const std::vector<tmpl::ChatMessage> before = session.messages();
  SessionToolReply out;
  out.calls_json = "[]";
  if (!tools.offered()) {
    out.reply = session.generate(options);
    out.parsed.content = out.reply.text;
    return out;
  }
  const TemplateTools how{kSessionToolFormat, false};
  apply_tool_grammar(tools, how.format, options.sampler);
  session.set_messages(prepare_tool_prompt(before, tools.tools, tools.choice, how).messages);
  try {
    out.reply = session.generate(options);
  } catch (...) {
    session.set_messages(before);
    throw;
  }
  std::vector<tmpl::ChatMessage> after = before;
  if (out.reply.result.stop_reason != StopReason::kCancelled) {
    out.parsed = parse_tool_reply(out.reply.text, how.format, tools.names());
    out.calls_json = openai_tool_calls(out.parsed);
    tmpl::ChatMessage m{"assistant", valid_utf8(out.reply.text)};
    if (out.calls_json != "[]") {
      m.content = valid_utf8(out.parsed.content);
      m.tool_calls_json = template_tool_calls(out.calls_json);
    }
    after.push_back(std::move(m));
  }
  session.set_messages(after);
  return out;
}

}  // namespace hearth::toolcall

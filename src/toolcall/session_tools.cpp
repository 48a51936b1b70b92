#include "toolcall/session_tools.hpp"

#include <optional>
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

bool has_tool_turns(const std::vector<tmpl::ChatMessage>& messages) {
  for (const auto& m : messages)
    if (m.role == "tool" || !m.tool_calls_json.empty()) return true;
  return false;
}

bool same(const std::vector<tmpl::ChatMessage>& a, const std::vector<tmpl::ChatMessage>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].role != b[i].role || a[i].content != b[i].content ||
        a[i].tool_calls_json != b[i].tool_calls_json || a[i].tool_call_id != b[i].tool_call_id ||
        a[i].name != b[i].name)
      return false;
  return true;
}

// What the template sees for a reply: the conversation prepared for the format (tool_prompt.hpp)
// and the tools variable. The session's own conversation stays as the caller gave it: the view
// is set for the call of f() and set back after it (only on a change: set_messages stashes the
// KV state in the prompt cache).
template <class F>
auto with_view(Session& session, const ToolRequest& tools, const TemplateTools& how, F f) {
  const std::vector<tmpl::ChatMessage> before = session.messages();
  const ToolConversation view =
      prepare_tool_prompt(link_tool_results(before), tools.tools, tools.choice, how);
  const bool swap = !same(view.messages, before);
  if (swap) session.set_messages(view.messages);
  session.set_tools_json(view.tools_json);
  auto restore = [&] {  // keeping what f() appended (the reply)
    session.set_tools_json("");
    if (!swap) return;
    std::vector<tmpl::ChatMessage> after = before;
    const std::vector<tmpl::ChatMessage>& now = session.messages();
    for (size_t k = view.messages.size(); k < now.size(); ++k) after.push_back(now[k]);
    session.set_messages(after);
  };
  try {
    auto r = f();
    restore();
    return r;
  } catch (...) {
    restore();
    throw;
  }
}

}  // namespace

TemplateTools session_tool_format(const Session& session) {
  const std::string& t = session.chat_template();
  return detect_tool_format(t.empty() ? std::nullopt : std::optional<std::string>(t));
}

SessionToolReply generate_with_tools(Session& session, const ToolRequest& tools,
                                     GenerateOptions options) {
  const std::vector<tmpl::ChatMessage> before = session.messages();
  SessionToolReply out;
  out.calls_json = "[]";
  if (!tools.offered() && !has_tool_turns(before)) {
    out.reply = session.generate(options);
    out.parsed.content = out.reply.text;
    return out;
  }
  const TemplateTools how = session_tool_format(session);
  if (tools.offered()) apply_tool_grammar(tools, how.format, options.sampler);
  out.reply = with_view(session, tools, how, [&] { return session.generate(options); });
  const bool cancelled = out.reply.result.stop_reason == StopReason::kCancelled;
  tmpl::ChatMessage m{"assistant", valid_utf8(out.reply.text)};
  if (!cancelled && tools.offered()) {
    out.parsed = parse_tool_reply(out.reply.text, how.format, tools.names());
    out.calls_json = openai_tool_calls(out.parsed, how.format);
    if (out.calls_json != "[]") {
      m.content = valid_utf8(out.parsed.content);
      m.tool_calls_json = template_tool_calls(out.calls_json);
    }
  } else if (!cancelled) {
    out.parsed.content = out.reply.text;
  }
  if (!cancelled) {  // the reply as Session::generate appended it, with its calls
    session.pop_message();
    session.add_message(m);
  }
  return out;
}

std::string tool_prompt_text(Session& session, const ToolRequest& tools) {
  const TemplateTools how = session_tool_format(session);
  return with_view(session, tools, how, [&] { return session.render_prompt(); });
}

}  // namespace hearth::toolcall

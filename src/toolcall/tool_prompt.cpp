#include "toolcall/tool_prompt.hpp"

#include <nlohmann/json.hpp>

#include "hearth/error.hpp"

namespace hearth::toolcall {
namespace {

using json = nlohmann::ordered_json;

// The Hermes tool prompt (its wording is the one Qwen 2.5's template writes).
std::string hermes_system_text(const std::vector<ToolSpec>& tools) {
  std::string s =
      "# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are "
      "provided with function signatures within <tools></tools> XML tags:\n<tools>";
  for (const json& t : json::parse(tools_to_json(tools))) s += "\n" + t.dump();
  s += "\n</tools>\n\nFor each function call, return a json object with function name and "
       "arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": "
       "<function-name>, \"arguments\": <args-json-object>}\n</tool_call>";
  return s;
}

std::string calls_as_text(const std::string& template_calls) {
  std::string out;
  for (const json& c : json::parse(template_calls)) {
    const json& f = c["function"];
    json call = {{"name", f["name"]}, {"arguments", f["arguments"]}};
    out +=
        (out.empty() ? "" : "\n") + std::string("<tool_call>\n") + call.dump() + "\n</tool_call>";
  }
  return out;
}

}  // namespace

ToolConversation prepare_tool_prompt(const std::vector<tmpl::ChatMessage>& messages,
                                     const std::vector<ToolSpec>& tools, const ToolChoice& choice,
                                     const TemplateTools& how) {
  ToolConversation out;
  const bool offer = !tools.empty() && choice.mode != ChoiceMode::kNone;
  if (how.renders_tools) {
    out.messages = messages;
    if (offer) out.tools_json = tools_to_json(tools);
    return out;
  }
  if (offer) {
    const std::string sys = hermes_system_text(tools);
    if (!messages.empty() && messages[0].role == "system") {
      out.messages.push_back({"system", messages[0].content + "\n\n" + sys});
    } else {
      out.messages.push_back({"system", sys});
    }
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    const tmpl::ChatMessage& m = messages[i];
    if (offer && i == 0 && m.role == "system") continue;  // merged above
    if (m.role == "assistant" && !m.tool_calls_json.empty()) {
      const std::string calls = calls_as_text(m.tool_calls_json);
      out.messages.push_back({"assistant", m.content.empty() ? calls : m.content + "\n" + calls});
    } else if (m.role == "tool") {
      const std::string block = "<tool_response>\n" + m.content + "\n</tool_response>";
      // Consecutive results share one user turn, as Qwen's template groups them.
      if (!out.messages.empty() && out.messages.back().role == "user" && i > 0 &&
          messages[i - 1].role == "tool")
        out.messages.back().content += "\n" + block;
      else
        out.messages.push_back({"user", block});
    } else {
      out.messages.push_back({m.role, m.content});
    }
  }
  return out;
}

std::vector<tmpl::ChatMessage> link_tool_results(std::vector<tmpl::ChatMessage> messages) {
  json calls = json::array();
  size_t next = 0;
  for (tmpl::ChatMessage& m : messages) {
    if (m.role == "assistant") {
      calls = m.tool_calls_json.empty() ? json::array() : json::parse(m.tool_calls_json);
      next = 0;
    } else if (m.role == "tool") {
      if (next < calls.size()) {
        const json& c = calls[next];
        if (m.tool_call_id.empty() && c.contains("id") && c["id"].is_string())
          m.tool_call_id = c["id"].get<std::string>();
        if (m.name.empty() && c.contains("function") && c["function"].contains("name") &&
            c["function"]["name"].is_string())
          m.name = c["function"]["name"].get<std::string>();
      }
      ++next;
    } else {
      calls = json::array();
      next = 0;
    }
  }
  return messages;
}

std::string template_tool_calls(std::string_view openai_tool_calls_json) {
  json in;
  try {
    in = json::parse(openai_tool_calls_json.begin(), openai_tool_calls_json.end());
  } catch (const json::exception& e) {
    fail(Status::kInvalidArgument, std::string("tool_calls: invalid JSON: ") + e.what());
  }
  if (!in.is_array()) fail(Status::kInvalidArgument, "tool_calls must be an array");
  json out = json::array();
  for (size_t i = 0; i < in.size(); ++i) {
    const std::string at = "tool_calls[" + std::to_string(i) + "]";
    const json& c = in[i];
    if (!c.is_object() || !c.contains("function") || !c["function"].is_object())
      fail(Status::kInvalidArgument, at + " must be {\"type\": \"function\", \"function\": {...}}");
    const json& f = c["function"];
    if (!f.contains("name") || !f["name"].is_string())
      fail(Status::kInvalidArgument, at + ".function.name must be a string");
    json args = json::object();
    if (f.contains("arguments") && f["arguments"].is_string()) {
      try {
        args = json::parse(f["arguments"].get<std::string>());
      } catch (const json::exception&) {
        fail(Status::kInvalidArgument, at + ".function.arguments is not a JSON string");
      }
    } else if (f.contains("arguments") && !f["arguments"].is_null()) {
      args = f["arguments"];
    }
    if (!args.is_object())
      fail(Status::kInvalidArgument, at + ".function.arguments must encode a JSON object");
    json t = {{"type", "function"}, {"function", {{"name", f["name"]}, {"arguments", args}}}};
    if (c.contains("id") && c["id"].is_string()) t["id"] = c["id"];
    out.push_back(t);
  }
  return out.dump();
}

}  // namespace hearth::toolcall

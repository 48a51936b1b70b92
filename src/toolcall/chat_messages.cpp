#include "toolcall/chat_messages.hpp"

#include <nlohmann/json.hpp>

#include "hearth/error.hpp"
#include "toolcall/tool_prompt.hpp"

namespace hearth::toolcall {
namespace {

using json = nlohmann::ordered_json;

[[noreturn]] void bad(const std::string& what) {
  fail(Status::kInvalidArgument, what);
}

std::string content_text(const json& c, const std::string& at) {
  if (c.is_null()) return "";
  if (c.is_string()) return c.get<std::string>();
  if (c.is_array()) {  // OpenAI's content parts: the text ones, joined
    std::string out;
    for (const json& part : c) {
      if (!part.is_object() || !part.contains("text") || !part["text"].is_string())
        bad(at + " parts must be {\"type\": \"text\", \"text\": ...}");
      out += part["text"].get<std::string>();
    }
    return out;
  }
  bad(at + " must be a string, null or a list of text parts");
}

std::string string_field(const json& m, const char* key, const std::string& at) {
  if (!m.contains(key) || m[key].is_null()) return "";
  if (!m[key].is_string()) bad(at + "." + key + " must be a string");
  return m[key].get<std::string>();
}

}  // namespace

std::vector<tmpl::ChatMessage> parse_chat_messages(std::string_view messages_json) {
  json msgs;
  try {
    msgs = json::parse(messages_json.begin(), messages_json.end());
  } catch (const json::exception& e) {
    bad(std::string("messages: invalid JSON: ") + e.what());
  }
  if (!msgs.is_array() || msgs.empty()) bad("messages must be a non-empty array");
  std::vector<tmpl::ChatMessage> out;
  for (size_t i = 0; i < msgs.size(); ++i) {
    const std::string at = "messages[" + std::to_string(i) + "]";
    const json& m = msgs[i];
    if (!m.is_object()) bad(at + " must be an object");
    const std::string role = string_field(m, "role", at);
    if (role != "system" && role != "developer" && role != "user" && role != "assistant" &&
        role != "tool")
      bad(at + ".role must be system, developer, user, assistant or tool");
    const bool has_calls =
        role == "assistant" && m.contains("tool_calls") && !m["tool_calls"].is_null();
    if (!m.contains("content") && !has_calls) bad(at + ".content is required");
    tmpl::ChatMessage cm{
        role == "developer" ? "system" : role,
        m.contains("content") ? content_text(m["content"], at + ".content") : std::string()};
    if (has_calls) {
      try {
        cm.tool_calls_json = template_tool_calls(m["tool_calls"].dump());
      } catch (const Error& e) {
        bad(at + "." + e.what());
      }
    }
    if (role == "tool") {
      cm.tool_call_id = string_field(m, "tool_call_id", at);
      cm.name = string_field(m, "name", at);
    }
    out.push_back(std::move(cm));
  }
  return out;
}

}  // namespace hearth::toolcall

#include "toolcall/tool_spec.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <set>

#include "hearth/error.hpp"

namespace hearth::toolcall {
namespace {

using json = nlohmann::ordered_json;

[[noreturn]] void bad(const std::string& what) {
  fail(Status::kInvalidArgument, what);
}

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

json parse(std::string_view text, const char* what) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    bad(std::string(what) + ": invalid JSON: " + e.what());
  }
}

}  // namespace

std::vector<ToolSpec> parse_tools(std::string_view tools_json) {
  const json j = parse(tools_json, "tools");
  if (!j.is_array()) bad("tools must be an array of {\"type\": \"function\", \"function\": {...}}");
  std::vector<ToolSpec> out;
  std::set<std::string> seen;
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string at = "tools[" + std::to_string(i) + "]";
    const json& t = j[i];
    if (!t.is_object()) bad(at + " must be an object");
    if (!t.contains("type") || t["type"] != "function") bad(at + ".type must be \"function\"");
    if (!t.contains("function") || !t["function"].is_object())
      bad(at + ".function must be an object");
    const json& f = t["function"];
    ToolSpec s;
    if (!f.contains("name") || !f["name"].is_string() ||
        !valid_name(s.name = f["name"].get<std::string>()))
      bad(at + ".function.name must be 1 to 64 of a-z, A-Z, 0-9, _ and -");
    if (!seen.insert(s.name).second) bad(at + ".function.name '" + s.name + "' is used twice");
    if (f.contains("description") && !f["description"].is_null()) {
      if (!f["description"].is_string()) bad(at + ".function.description must be a string");
      s.description = f["description"].get<std::string>();
    }
    if (f.contains("parameters") && !f["parameters"].is_null()) {
      if (!f["parameters"].is_object())
        bad(at + ".function.parameters must be a JSON Schema object");
      s.parameters_json = f["parameters"].dump();
    } else {
      s.parameters_json = "{}";
    }
    out.push_back(std::move(s));
  }
  return out;
}

ToolChoice parse_tool_choice(std::string_view choice_json, const std::vector<ToolSpec>& tools) {
  ToolChoice c;
  if (choice_json.empty()) return c;
  const json j = parse(choice_json, "tool_choice");
  if (j.is_string()) {
    const std::string s = j.get<std::string>();
    if (s == "auto")
      c.mode = ChoiceMode::kAuto;
    else if (s == "none")
      c.mode = ChoiceMode::kNone;
    else if (s == "required")
      c.mode = ChoiceMode::kRequired;
    else
      bad("tool_choice must be \"auto\", \"none\", \"required\" or {\"type\": \"function\", "
          "\"function\": {\"name\": ...}}");
  } else if (j.is_object() && j.contains("function") && j["function"].is_object() &&
             j["function"].contains("name") && j["function"]["name"].is_string()) {
    if (j.contains("type") && j["type"] != "function") bad("tool_choice.type must be \"function\"");
    c.mode = ChoiceMode::kNamed;
    c.name = j["function"]["name"].get<std::string>();
    bool found = false;
    for (const auto& t : tools) found = found || t.name == c.name;
    if (!found) bad("tool_choice names '" + c.name + "', which is not one of the tools");
  } else {
    bad("tool_choice must be \"auto\", \"none\", \"required\" or {\"type\": \"function\", "
        "\"function\": {\"name\": ...}}");
  }
  if ((c.mode == ChoiceMode::kRequired || c.mode == ChoiceMode::kNamed) && tools.empty())
    bad("tool_choice \"required\" or a named function needs tools");
  return c;
}

std::string tools_to_json(const std::vector<ToolSpec>& tools) {
  json a = json::array();
  for (const auto& t : tools) {
    json f = {{"name", t.name}};
    if (!t.description.empty()) f["description"] = t.description;
    f["parameters"] = json::parse(t.parameters_json);
    a.push_back({{"type", "function"}, {"function", f}});
  }
  return a.dump();
}

}  // namespace hearth::toolcall

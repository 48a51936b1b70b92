#include "toolcall/tool_request.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <random>

#include "hearth/error.hpp"
#include "toolcall/tool_grammar.hpp"

namespace hearth::toolcall {
namespace {

using json = nlohmann::ordered_json;

// Friendlier than OpenAI's JSON for C and the command line: a bare mode or function name.
std::string choice_as_json(std::string_view c) {
  if (c.empty()) return "";
  if (c.front() == '{' || c.front() == '"') return std::string(c);  // already JSON
  if (c == "auto" || c == "none" || c == "required") return json(std::string(c)).dump();
  return json{{"type", "function"}, {"function", {{"name", std::string(c)}}}}.dump();
}

bool mistral(ToolFormat f) {
  return f == ToolFormat::kMistral || f == ToolFormat::kMistralArgs;
}

// OpenAI's call ids: "call_" and 9 letters (as the server writes them); Mistral's templates
// refuse any id but 9 letters and digits, so those get the 9 letters alone.
std::string call_id(ToolFormat f) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  static const char kLetters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::uniform_int_distribution<int> pick(0, 51);
  std::string id = mistral(f) ? "" : "call_";
  for (int i = 0; i < 9; ++i) id += kLetters[pick(rng)];
  return id;
}

// The model's own id, when the template will take it back.
bool usable_id(const std::string& id, ToolFormat f) {
  if (id.empty()) return false;
  if (!mistral(f)) return true;
  if (id.size() != 9) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

std::vector<std::string> ToolRequest::names() const {
  std::vector<std::string> out;
  for (const auto& t : tools) out.push_back(t.name);
  return out;
}

ToolRequest parse_tool_request(std::string_view tools_json, std::string_view tool_choice,
                               int max_tool_calls) {
  ToolRequest r;
  if (max_tool_calls != 0 && max_tool_calls != 1)
    fail(Status::kInvalidArgument, "max_tool_calls must be 0 (up to 8) or 1");
  r.parallel = max_tool_calls == 0;
  if (tools_json.empty()) return r;
  try {
    r.tools = parse_tools(tools_json);
  } catch (const Error& e) {
    fail(Status::kInvalidArgument, std::string("tools: ") + e.what());
  }
  try {
    r.choice = parse_tool_choice(choice_as_json(tool_choice), r.tools);
  } catch (const Error& e) {
    fail(Status::kInvalidArgument, std::string("tool_choice: ") + e.what());
  }
  return r;
}

void apply_tool_grammar(const ToolRequest& tools, ToolFormat format, SamplerConfig& sampler) {
  if (!tools.offered()) return;
  if (!sampler.grammar.empty())
    fail(Status::kInvalidArgument,
         "tools and a grammar / json_schema both constrain the reply: give one");
  ToolGrammar g;
  try {
    g = tool_call_grammar(tools.tools, tools.choice, format, tools.parallel);
  } catch (const Error& e) {
    // "auto": the model may still call, unconstrained; a forced call must be enforceable.
    if (tools.eager()) fail(Status::kInvalidArgument, std::string("tools: ") + e.what());
    return;
  }
  sampler.grammar = g.gbnf;
  sampler.grammar_triggers = g.triggers;
}

std::string openai_tool_calls(const ParsedReply& reply, ToolFormat format) {
  json a = json::array();
  if (!reply.error.empty()) return a.dump();
  for (const auto& c : reply.calls)
    a.push_back({{"id", usable_id(c.id, format) ? c.id : call_id(format)},
                 {"type", "function"},
                 {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
  return a.dump();
}

}  // namespace hearth::toolcall

#include "toolcall/tool_grammar.hpp"

#include <fmt/format.h>

#include "grammar/gbnf_rename.hpp"
#include "grammar/json_schema.hpp"
#include "hearth/error.hpp"

namespace hearth::toolcall {
namespace {

// One alternative per tool, in the one layout every family's template documents:
// {"name": "f", "<args_key>": <f's parameters>}. No free whitespace around it, so a
// constrained model cannot stall in it.
std::string call_object(const std::vector<std::size_t>& which, const char* args_key) {
  std::string alts;
  for (size_t i : which)
    alts +=
        fmt::format("{}\"{{\\\"name\\\": \\\"\" tc{}-name \"\\\", \\\"{}\\\": \" tc{}-root \"}}\"",
                    alts.empty() ? "" : " | ", i, args_key, i);
  return "tc-call ::= " + alts + "\n";
}

// [TOOL_CALLS]name[ARGS]{...}: one alternative per tool.
std::string mistral_args_call(const std::vector<std::size_t>& which) {
  std::string alts;
  for (size_t i : which)
    alts += fmt::format("{}tc{}-name \"[ARGS]\" tc{}-root", alts.empty() ? "" : " | ", i, i);
  return "tc-call ::= " + alts + "\n";
}

}  // namespace

std::vector<std::string> format_triggers(ToolFormat format) {
  switch (format) {
    case ToolFormat::kHermes:
      return {"<tool_call>"};
    case ToolFormat::kLlama3:
      return {"<|python_tag|>", "{\"name\""};
    case ToolFormat::kMistral:
    case ToolFormat::kMistralArgs:
      return {"[TOOL_CALLS]"};
    case ToolFormat::kGeneric:
      break;
  }
  return {"{\"name\""};
}

ToolGrammar tool_call_grammar(const std::vector<ToolSpec>& tools, const ToolChoice& choice,
                              ToolFormat format, bool parallel) {
  ToolGrammar g;
  if (choice.mode == ChoiceMode::kNone || tools.empty()) return g;
  std::vector<size_t> which;
  std::string rules;
  for (size_t i = 0; i < tools.size(); ++i) {
    if (choice.mode == ChoiceMode::kNamed && tools[i].name != choice.name) continue;
    which.push_back(i);
    std::string args;
    try {
      args = grammar::json_schema_to_gbnf(tools[i].parameters_json);
    } catch (const Error& e) {
      fail(Status::kInvalidArgument, fmt::format("tool '{}': its parameters cannot be enforced: {}",
                                                 tools[i].name, e.what()));
    }
    rules += grammar::prefix_rule_names(args, fmt::format("tc{}-", i));
    rules += fmt::format("tc{}-name ::= \"{}\"\n", i, tools[i].name);  // names are [A-Za-z0-9_-]
  }
  std::string root;
  // Parallel calls: up to 8 in one reply (a bound, so that a model that keeps calling stops).
  const std::string more = parallel ? " (\"\\n\" tc-block){0,7}" : "";
  switch (format) {
    case ToolFormat::kHermes:
      rules += call_object(which, "arguments");
      root = fmt::format(
          "root ::= tc-block{}\ntc-block ::= \"<tool_call>\\n\" tc-call \"\\n</tool_call>\"\n",
          more);
      break;
    case ToolFormat::kLlama3:
      rules += call_object(which, "parameters");
      root = "root ::= \"<|python_tag|>\"? tc-call\n";
      break;
    case ToolFormat::kMistral:
      rules += call_object(which, "arguments");
      root = fmt::format("root ::= \"[TOOL_CALLS][\" tc-call{} \"]\"\n",
                         parallel ? " (\", \" tc-call){0,7}" : "");
      break;
    case ToolFormat::kMistralArgs:
      rules += mistral_args_call(which);
      root = fmt::format("root ::= \"[TOOL_CALLS]\" tc-call{}\n",
                         parallel ? " (\"[TOOL_CALLS]\" tc-call){0,7}" : "");
      break;
    case ToolFormat::kGeneric:
      rules += call_object(which, "arguments");
      root = "root ::= tc-call\n";
      break;
  }
  g.gbnf = root + rules;
  if (choice.mode == ChoiceMode::kAuto) g.triggers = format_triggers(format);
  // else eager: the grammar applies from the first token
  return g;
}

}  // namespace hearth::toolcall

// render_chat_template: lex, parse and evaluate with the variables Hugging Face's
// apply_chat_template passes for a plain conversation (messages, add_generation_prompt,
// bos_token, eos_token, and tools when given; documents stay undefined).
#include "template/chat_template.hpp"

#include "template/builtins.hpp"
#include "template/evaluator.hpp"
#include "template/json_value.hpp"
#include "template/lexer.hpp"
#include "template/parser.hpp"

namespace hearth::tmpl {

std::string render_chat_template(const std::string& source,
                                 const std::vector<ChatMessage>& messages,
                                 const RenderOptions& options) {
  const Template tmpl = parse_template(lex_template(source, LexOptions{}));
  Evaluator evaluator(RenderLimits{}, options.now_unix_seconds);
  auto globals = std::make_shared<Scope>(nullptr);
  add_global_functions(evaluator, *globals);
  ValueList list;
  list.reserve(messages.size());
  for (const ChatMessage& m : messages) {
    Dict message;
    message.set("role", Value(m.role));
    message.set("content", Value(m.content));
    if (!m.tool_calls_json.empty())
      message.set("tool_calls", value_from_json(m.tool_calls_json, "tool_calls"));
    if (!m.tool_call_id.empty()) message.set("tool_call_id", Value(m.tool_call_id));
    if (!m.name.empty()) message.set("name", Value(m.name));
    list.push_back(Value(std::move(message)));
  }
  globals->set("messages", Value(std::move(list)));
  globals->set("add_generation_prompt", Value(options.add_generation_prompt));
  globals->set("bos_token", Value(options.bos_token));
  globals->set("eos_token", Value(options.eos_token));
  if (!options.tools_json.empty())
    globals->set("tools", value_from_json(options.tools_json, "tools"));
  return evaluator.render(tmpl, globals);
}

std::string render_fallback_chat(const std::vector<ChatMessage>& messages,
                                 bool add_generation_prompt) {
  std::string out;
  for (const ChatMessage& m : messages)
    out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
  if (add_generation_prompt) out += "<|im_start|>assistant\n";
  return out;
}

}  // namespace hearth::tmpl

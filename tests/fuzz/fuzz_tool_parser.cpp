// libFuzzer target: any bytes as a model's reply, read back into tool calls in every format
// (src/toolcall/tool_parser.hpp). The parser must never throw, crash or hang; every call it
// returns has a name and arguments that are a JSON object; a reply with an error keeps its text.
// The first byte also picks a Python-call parse of the rest (Llama's <|python_tag|> form), which
// may only throw std::runtime_error. The same reply streamed (tool_stream.hpp) in pieces whose
// sizes the input picks must not throw or crash either, and must open its calls in order, each
// once, with arguments only for calls it opened.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "toolcall/python_call.hpp"
#include "toolcall/tool_parser.hpp"
#include "toolcall/tool_stream.hpp"

using namespace hearth::toolcall;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] == 0xFF) {
    try {
      for (const auto& c : parse_python_calls(text))
        if (!nlohmann::json::parse(c.arguments).is_object()) std::abort();
    } catch (const std::runtime_error&) {
    }
    return 0;
  }
  static const ToolFormat kFormats[] = {ToolFormat::kHermes, ToolFormat::kLlama3,
                                        ToolFormat::kMistral, ToolFormat::kMistralArgs,
                                        ToolFormat::kGeneric};
  const ToolFormat f = kFormats[data[0] % 5];
  const ParsedReply r = parse_tool_reply(text, f, {"get_weather", "add"});
  for (const auto& c : r.calls) {
    if (c.name.empty()) std::abort();
    if (!nlohmann::json::parse(c.arguments).is_object()) std::abort();  // throws: a crash too
  }
  if (!r.error.empty() && !r.calls.empty()) std::abort();

  ToolStream stream(f, data[0] & 0x80, {"get_weather", "add"});
  std::vector<std::string> names;
  auto take = [&](const ToolDelta& d) {
    for (const auto& c : d.calls) {
      if (c.opens) {
        if (c.index != names.size()) std::abort();
        names.push_back(c.name);
      } else if (c.index >= names.size()) {
        std::abort();
      }
    }
  };
  const size_t step = 1 + data[0] % 7;
  for (size_t i = 0; i < text.size(); i += step) take(stream.push(text.substr(i, step)));
  take(stream.finish());
  if (stream.parsed().calls.size() != r.calls.size()) std::abort();
  return 0;
}

#include "toolcall/tool_stream.hpp"

#include <algorithm>

#include "toolcall/tool_grammar.hpp"

namespace hearth::toolcall {

ToolStream::ToolStream(ToolFormat format, bool eager, std::vector<std::string> known_names)
    : format_(format),
      triggers_(format_triggers(format)),
      known_(std::move(known_names)),
      in_call_(eager) {}

std::string ToolStream::push(const std::string& piece) {
  held_ += piece;
  if (in_call_) return {};
  size_t at = std::string::npos;
  for (const auto& t : triggers_) at = std::min(at, held_.find(t));
  if (at != std::string::npos) {
    in_call_ = true;
    std::string out = held_.substr(0, at);
    held_.erase(0, at);
    return out;
  }
  // Keep the longest suffix that is a proper prefix of a trigger.
  size_t keep = 0;
  for (const auto& t : triggers_)
    for (size_t n = std::min(t.size() - 1, held_.size()); n > keep; --n)
      if (held_.compare(held_.size() - n, n, t, 0, n) == 0) {
        keep = n;
        break;
      }
  std::string out = held_.substr(0, held_.size() - keep);
  held_.erase(0, held_.size() - keep);
  return out;
}

ParsedReply ToolStream::finish() {
  ParsedReply r;
  if (in_call_) r = parse_tool_reply(held_, format_, known_);
  if (r.calls.empty()) {
    r.content = held_;  // untrimmed: it continues the content already sent
    r.calls.clear();
  }
  held_.clear();
  return r;
}

}  // namespace hearth::toolcall

// Streaming a reply that may contain tool calls: text is passed on as content until a call
// opens (a format trigger); from there it is held and parsed when the reply ends. A suffix that
// could still become a trigger is held back too, so no part of a call leaks out as content.
#pragma once

#include <string>
#include <vector>

#include "toolcall/tool_parser.hpp"

namespace hearth::toolcall {

class ToolStream {
 public:
  // eager: tool_choice required / named, where the whole reply is the call.
  ToolStream(ToolFormat format, bool eager, std::vector<std::string> known_names);

  // The part of the text so far that is content and was not returned before.
  std::string push(const std::string& piece);
  // At the end: the held text parsed. Its `content` is what was held and is not a call (to be
  // sent as content); calls empty when there were none or they did not parse.
  ParsedReply finish();

 private:
  ToolFormat format_;
  std::vector<std::string> triggers_;
  std::vector<std::string> known_;
  bool in_call_;
  std::string held_;
};

}  // namespace hearth::toolcall

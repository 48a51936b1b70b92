// The part of a reply written so far, read as far as it can be without seeing the rest: the
// content that is certainly content, and the calls opened so far (name once complete, the
// arguments' text so far). ToolStream (tool_stream.hpp) streams from successive scans. The
// scan stops where a call takes a shape it cannot follow as it grows (tool_stream.hpp lists
// them); such calls are left to the parse of the whole reply.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "toolcall/tool_format.hpp"

namespace hearth::toolcall {

struct PartialCall {
  std::string name;  // valid when `named`
  bool named = false;
  std::string id;         // the model's, when written before this point
  std::string arguments;  // minified text of the arguments so far
  bool complete = false;  // the call's text has ended
  bool hold = false;      // announce only once complete (the id may come last)
};

struct PartialReply {
  std::string content;  // the text outside calls up to where a call may begin
  std::vector<PartialCall> calls;
};

// `known_names`: a bare JSON reply counts as a call only when it names one of them (outside
// kGeneric), as parse_tool_reply decides.
PartialReply scan_partial_reply(std::string_view text, ToolFormat format,
                                const std::vector<std::string>& known_names);

}  // namespace hearth::toolcall

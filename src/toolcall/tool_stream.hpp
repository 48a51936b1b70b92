// Streaming a reply that may contain tool calls, the way OpenAI streams them: content passes on
// as it is written until a call opens; then each call is announced as soon as its name is
// known (index, the model's id if it wrote one first, name) and its arguments follow piece by
// piece as the model writes them (minified: the same text parse_tool_reply gives, json_scan.hpp).
//
// What is never emitted: text that may still turn out to be part of a call (a suffix that could
// begin a format's opening, whitespace before a call, a reply that begins like a bare JSON call).
// What waits for the end: calls the scanner cannot follow as they grow (Python-syntax calls,
// ```json fences, {"tool_calls": [...]} wrappers, arguments given as a string, Mistral's
// [{..., "id": ...}] lists, whose id comes last). finish() parses the whole reply with
// parse_tool_reply (exactly as a non-streamed reply is read) and sends what was not sent yet, so
// the accumulated stream equals the parsed reply whenever the text streamed so far was a prefix
// of it. A reply that opens a call and then breaks it (unconstrained output) cannot take back
// what was already sent.
#pragma once

#include <string>
#include <vector>

#include "toolcall/tool_parser.hpp"

namespace hearth::toolcall {

struct ToolCallDelta {
  size_t index = 0;       // the call's position in the reply (0, 1, ...)
  bool opens = false;     // the call's first piece: id and name
  std::string id;         // opens: the model's id, or "" (the caller assigns one)
  std::string name;       // opens
  std::string arguments;  // a piece of the arguments' JSON text (may be "")
};

struct ToolDelta {
  std::string content;
  std::vector<ToolCallDelta> calls;
  bool empty() const { return content.empty() && calls.empty(); }
};

class ToolStream {
 public:
  // eager: tool_choice required / named, where the whole reply is the call: content is held
  // until the end.
  ToolStream(ToolFormat format, bool eager, std::vector<std::string> known_names);

  // What the reply so far adds to the stream.
  ToolDelta push(const std::string& piece);
  // At the end: the rest, so that everything sent adds up to parsed() (see above).
  ToolDelta finish();

  // After finish(): the whole reply as parse_tool_reply reads it.
  const ParsedReply& parsed() const { return parsed_; }
  // Some call was sent (the choice ends with finish_reason "tool_calls").
  bool called() const { return !sent_.empty(); }

 private:
  struct Sent {
    std::string name;
    std::string arguments;
  };
  ToolDelta emit(bool at_end);
  // Call k's opening delta (index, id, name, empty arguments); k == sent_.size().
  void open_call(size_t k, const std::string& id, const std::string& name, ToolDelta* d);
  // The part of `arguments` beyond what call k has sent, when it extends it.
  void send_arguments(size_t k, const std::string& arguments, ToolDelta* d);

  ToolFormat format_;
  bool eager_;
  std::vector<std::string> known_;
  std::string text_;     // the whole reply so far
  std::string content_;  // content sent so far
  std::vector<Sent> sent_;
  ParsedReply parsed_;
};

}  // namespace hearth::toolcall

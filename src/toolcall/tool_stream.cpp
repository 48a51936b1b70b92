#include "toolcall/tool_stream.hpp"

#include "toolcall/tool_scan.hpp"

namespace hearth::toolcall {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

bool extends(const std::string& longer, const std::string& prefix) {
  return longer.size() > prefix.size() && longer.compare(0, prefix.size(), prefix) == 0;
}

// Without a UTF-8 sequence cut off at the end (the rest of it comes with the next piece).
std::string whole_utf8(std::string s) {
  size_t start = s.size();
  for (int back = 0; back < 4 && start > 0; ++back) {
    const unsigned char c = static_cast<unsigned char>(s[start - 1]);
    if ((c & 0xC0) != 0x80) {  // a lead byte (or ASCII): is its sequence complete?
      const size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
      if (s.size() - (start - 1) < need) s.resize(start - 1);
      return s;
    }
    --start;
  }
  return s;
}

}  // namespace

ToolStream::ToolStream(ToolFormat format, bool eager, std::vector<std::string> known_names)
    : format_(format), eager_(eager), known_(std::move(known_names)) {}

ToolDelta ToolStream::push(const std::string& piece) {
  text_ += piece;
  ToolDelta d;
  const PartialReply p = scan_partial_reply(text_, format_, known_);
  if (!eager_) {
    // Whitespace at the end may separate the content from a call: it waits for more content.
    std::string c = p.content;
    while (!c.empty() && is_space(c.back())) c.pop_back();
    c = whole_utf8(std::move(c));
    if (extends(c, content_)) {
      d.content = c.substr(content_.size());
      content_ = std::move(c);
    }
  }
  for (size_t k = 0; k < p.calls.size() && k <= sent_.size(); ++k) {
    const PartialCall& c = p.calls[k];
    if (c.hold && !c.complete) break;
    if (k == sent_.size()) {
      if (!c.named) break;
      open_call(k, c.id, c.name, &d);
    }
    if (sent_[k].name != c.name) break;  // cannot happen for a prefix; the final parse decides
    send_arguments(k, c.complete ? c.arguments : whole_utf8(c.arguments), &d);
    if (!c.complete) break;
  }
  return d;
}

ToolDelta ToolStream::finish() {
  parsed_ = parse_tool_reply(text_, format_, known_);
  ToolDelta d;
  if (parsed_.calls.empty()) {
    // A plain reply is its text as written (what a non-streamed reply's content is).
    if (sent_.empty() && text_.compare(0, content_.size(), content_) == 0)
      d.content = text_.substr(content_.size());
    content_ = text_;
    return d;
  }
  if (extends(parsed_.content, content_)) d.content = parsed_.content.substr(content_.size());
  for (size_t k = 0; k < parsed_.calls.size(); ++k) {
    const ToolCall& c = parsed_.calls[k];
    if (k >= sent_.size()) open_call(k, c.id, c.name, &d);
    if (sent_[k].name == c.name) send_arguments(k, c.arguments, &d);
  }
  return d;
}

void ToolStream::open_call(size_t k, const std::string& id, const std::string& name, ToolDelta* d) {
  sent_.push_back({name, ""});
  ToolCallDelta open;
  open.index = k;
  open.opens = true;
  open.id = id;
  open.name = name;
  d->calls.push_back(std::move(open));
}

void ToolStream::send_arguments(size_t k, const std::string& arguments, ToolDelta* d) {
  Sent& s = sent_[k];
  if (!extends(arguments, s.arguments)) return;
  ToolCallDelta more;
  more.index = k;
  more.arguments = arguments.substr(s.arguments.size());
  d->calls.push_back(std::move(more));
  s.arguments = arguments;
}

}  // namespace hearth::toolcall

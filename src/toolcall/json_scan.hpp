// Finding where a JSON object or array embedded in free text ends, without parsing it: the
// tool-call parser cuts candidates out of model output this way and then parses only them.
// Also the raw text of a call's members, so that a call's arguments are the model's own text
// (minified) both when a whole reply is parsed and when it is streamed piece by piece.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::toolcall {

constexpr size_t kMaxScanDepth = 64;  // deeper nesting is refused (hostile or runaway output)

// `pos` must be at '{' or '['. Returns the index just past the matching bracket (brackets
// inside strings ignored, escapes honoured), or npos when the text ends first, a bracket does
// not match, or the nesting exceeds kMaxScanDepth.
size_t json_value_end(std::string_view s, size_t pos);

// A piece of a text: [begin, end).
struct Span {
  size_t begin = std::string_view::npos;
  size_t end = std::string_view::npos;
  bool found() const { return begin != std::string_view::npos; }
  std::string_view of(std::string_view s) const { return s.substr(begin, end - begin); }
};

// For JSON text already known to be valid (json::parse accepted it): the value of the member
// `key` of the object at `object` (the last one when a key repeats, as the parser keeps it), or
// a Span that is not found(); and the elements of the array at `array`.
Span json_member(std::string_view s, Span object, std::string_view key);
std::vector<Span> json_elements(std::string_view s, Span array);

// JSON text without the whitespace outside its strings (everything else byte for byte). A
// prefix of a JSON text minifies to a prefix of the whole text's minified form, which is what
// lets streamed arguments equal the parsed ones.
std::string minify_json(std::string_view s);

// Incremental minify_json: feed pieces, get the minified text of each.
class JsonMinifier {
 public:
  std::string feed(std::string_view piece);

 private:
  bool in_string_ = false;
  bool escaped_ = false;
};

}  // namespace hearth::toolcall

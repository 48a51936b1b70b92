// Finding where a JSON object or array embedded in free text ends, without parsing it: the
// tool-call parser cuts candidates out of model output this way and then parses only them.
#pragma once

#include <cstddef>
#include <string_view>

namespace hearth::toolcall {

constexpr size_t kMaxScanDepth = 64;  // deeper nesting is refused (hostile or runaway output)

// `pos` must be at '{' or '['. Returns the index just past the matching bracket (brackets
// inside strings ignored, escapes honoured), or npos when the text ends first, a bracket does
// not match, or the nesting exceeds kMaxScanDepth.
size_t json_value_end(std::string_view s, size_t pos);

}  // namespace hearth::toolcall

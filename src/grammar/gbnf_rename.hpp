// Prefixing every rule name of a GBNF grammar, so that grammars made separately (one JSON
// Schema per tool) can be pasted into one without their rules (`root`, `space`, `string`...)
// colliding.
#pragma once

#include <string>
#include <string_view>

namespace hearth::grammar {

// Every rule name, defined or referenced, becomes prefix + name. Literals ("..."), character
// classes ([...]) and comments are copied untouched. The input must be valid GBNF.
std::string prefix_rule_names(std::string_view gbnf, std::string_view prefix);

}  // namespace hearth::grammar

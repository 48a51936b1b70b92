// JSON Schema `pattern` (ECMA-262 regular expressions, a regular subset) -> a GBNF expression
// for the *JSON text* of the string's content (between the quotes): literals that JSON must
// escape (" \ control characters) are written escaped, classes never admit a raw " \ or
// control character. Supported: literals, escapes (\d \w \s \D \W \S, escaped punctuation,
// \n \t \r), ., classes with ranges and negation, groups ( ) (?: ), |, * + ? {m} {m,} {m,n}
// (lazy forms too), ^ at the start and $ at the end. Backreferences, lookarounds and \b are
// errors. An unanchored pattern is matched as a whole: such strings contain a match.
#pragma once

#include <string>

namespace hearth::grammar {

// Throws Error(kInvalidArgument) "json schema: ... at PATH" for what is not supported.
std::string pattern_to_gbnf(const std::string& pattern, const std::string& path);

}  // namespace hearth::grammar

// Code-point views of UTF-8 strings: Python strings index, slice, count and iterate by code point.
#pragma once

#include <string>
#include <vector>

namespace hearth::tmpl {

// Splits `s` into its code points, each as its UTF-8 bytes (an invalid byte stands alone).
std::vector<std::string> utf8_chars(const std::string& s);
size_t utf8_length(const std::string& s);
// True when `s` is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool utf8_valid(const std::string& s);

}  // namespace hearth::tmpl

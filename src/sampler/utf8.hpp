// UTF-8 boundary helper for streaming generated text (token pieces come from hearth::Tokenizer).
#pragma once

#include <string>

namespace hearth {

// Length of the longest prefix of s that does not end inside a UTF-8 sequence.
size_t complete_utf8_prefix(const std::string& s);

}  // namespace hearth

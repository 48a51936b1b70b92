// Small predicates on token text shared by the tokenizer importers (plain code rather than
// std::regex, which is slow to build and trips GCC 12's -Wmaybe-uninitialized at -O3).
#pragma once

#include <cctype>
#include <string>

namespace hearth::convert {

// "<0x0A>": a SentencePiece byte-fallback token.
inline bool is_byte_token(const std::string& s) {
  return s.size() == 6 && s.compare(0, 3, "<0x") == 0 && s[5] == '>' &&
         std::isxdigit(static_cast<unsigned char>(s[3])) &&
         std::isxdigit(static_cast<unsigned char>(s[4]));
}

// "<|im_end|>": text shaped like a control token.
inline bool looks_like_control_token(const std::string& s) {
  return s.size() >= 4 && s.compare(0, 2, "<|") == 0 && s.compare(s.size() - 2, 2, "|>") == 0;
}

}  // namespace hearth::convert

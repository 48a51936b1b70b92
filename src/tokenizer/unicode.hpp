// UTF-8 helpers and the GPT-2 byte <-> printable-character mapping used by byte-level BPE.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hearth::tok {

// Length of the UTF-8 sequence starting with `lead` (1 for invalid lead bytes).
inline size_t utf8_len(uint8_t lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;
}

// Length of the valid UTF-8 sequence at s[i], or 0 when the bytes there are not valid UTF-8.
size_t valid_utf8_at(std::string_view s, size_t i);
// Replaces every invalid byte sequence with U+FFFD.
std::string sanitize_utf8(std::string_view s);
// Bytes at the end of `s` that form an incomplete (but so far valid) UTF-8 sequence.
size_t incomplete_utf8_suffix(std::string_view s);
std::string cpt_to_utf8(uint32_t cpt);

// GPT-2: every byte maps to a printable character (as UTF-8), and back.
const std::string& byte_to_unicode(uint8_t byte);
int unicode_to_byte(std::string_view utf8_char);  // -1 if not a mapped character

}  // namespace hearth::tok

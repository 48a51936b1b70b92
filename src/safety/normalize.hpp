// Text normalisation for content matching: the rules of a rule set and the text checked are
// both reduced to the same "view", so that simple obfuscations match like the plain word.
//
// The folded view: UTF-8 decoded; invisible characters (zero-width spaces and joiners, soft
// hyphens, bidi controls, variation selectors, tag characters) removed; compatibility forms
// folded to ASCII (full-width letters, mathematical alphanumerics, circled/squared/parenthesised
// letters, regional indicators, ligatures); accents on Latin letters stripped; ASCII, Latin,
// Greek and Cyrillic case folded; Cyrillic and Greek letters that look like Latin ones mapped to
// them; every run of whitespace one space. The leet view (strict) additionally reads digits and
// symbols written between letters as the letters they imitate (h3ll0, sh!t, p@ss).
//
// It is NFKC-like, not NFKC: a table of the forms seen in obfuscation, not the Unicode database.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::safety {

struct NormalizedText {
  std::string text;              // the view, UTF-8
  std::vector<uint32_t> source;  // source[i]: offset in the input of the character that
                                 // produced text[i] (size text.size() + 1; last = consumed)
  size_t consumed = 0;           // input bytes decoded: a UTF-8 sequence cut at the end of
                                 // the input (a token boundary) is left for the next call
};

// Normalises `input`. final: an incomplete UTF-8 sequence at the end is decoded (as U+FFFD)
// instead of being left unconsumed.
void normalize(std::string_view input, bool leet, bool final, NormalizedText& out);
std::string normalize(std::string_view input, bool leet);

// Word characters for whole-word matching: ASCII letters and digits and every non-ASCII byte.
inline bool is_word_byte(unsigned char c) {
  return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

}  // namespace hearth::safety

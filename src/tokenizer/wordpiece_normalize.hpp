// BERT's text normalisation and word splitting for WordPiece, as llama.cpp's WPM tokenizer
// applies it (so that hearth's ids equal llama.cpp's on any text, not just the shared sets).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hearth::tok {

struct WordPieceNormalizer {
  bool lowercase = true;      // tokenizer.ggml.normalizer.lowercase (default true)
  bool strip_accents = true;  // tokenizer.ggml.normalizer.strip_accents (default: lowercase)
};

// Splits valid UTF-8 `text` into normalised words. Per code point, in order:
//  - with strip_accents, the code point becomes the first code point of its canonical
//    decomposition (NFD): "é" -> "e", a Hangul syllable -> its leading consonant jamo;
//  - White_Space characters (also no-break, em, thin and ideographic spaces) end a word;
//  - NUL, U+FFFD and control, format, private-use and surrogate characters (Cc Cf Co Cs: zero-width
//    space and joiners, the byte-order mark, soft hyphen) are removed without ending a word;
//  - with strip_accents, combining marks (M*: accents, Devanagari vowel signs) are removed;
//  - punctuation (P*), ASCII symbols and CJK ideographs become words of one character;
//  - everything else (lowercased when `lowercase`) joins the current word.
std::vector<std::string> wordpiece_words(std::string_view text, const WordPieceNormalizer& opts);

}  // namespace hearth::tok

// Which tokens are "special" and how, as llama.cpp decides it at load time. GGUF token types are
// not the whole story: llama.cpp also recognises control tokens by their text (end-of-turn,
// end-of-text, fill-in-the-middle markers; e.g. Phi-3 stores "</s>" as user-defined, and it
// still is not matched in plain text), and gives some models' special tokens lstrip/rstrip
// (Phi-3's special tokens swallow the spaces after them). Matching both makes hearth's ids equal
// llama.cpp's on text containing such literals.
#pragma once

#include <cstdint>
#include <vector>

#include "hearth/tokenizer.hpp"

namespace hearth::tok {

class StringTable;

enum SpecialStrip : uint8_t { kStripNone = 0, kStripLeft = 1, kStripRight = 2 };

struct SpecialTokens {
  std::vector<int32_t> eog;    // end-of-generation ids, sorted
  std::vector<int32_t> ids;    // tokens split out of text (control, user-defined, unknown),
                               // longest text first
  std::vector<uint8_t> strip;  // SpecialStrip bits, parallel to `ids`
};

// Reads the special ids and names from `file`, adjusts `types` (a token recognised as control
// by its text becomes kControl; the few llama.cpp demotes become user-defined or normal) and
// returns the lists the tokenizer needs.
SpecialTokens classify_special_tokens(const GgufFile& file, const StringTable& vocab,
                                      std::vector<TokenType>& types);

}  // namespace hearth::tok

// Code point classes, first-of-NFD and lowercase come from generated tables
// (wordpiece_tables.inc, scripts/gen_wordpiece_tables.py) rather than the C library, so that the
// result is the same on every platform (towlower knows nothing above U+FFFF on Windows) and
// matches the Unicode data llama.cpp's tables are built from.
#include "tokenizer/wordpiece_normalize.hpp"

#include <algorithm>
#include <cstdint>

#include "tokenizer/unicode.hpp"

namespace hearth::tok {
namespace {

enum CharClass : uint8_t { kOther = 0, kSpace = 1, kRemoved = 2, kMark = 3, kPunct = 4 };

struct CharClassRun {
  uint32_t first;
  uint8_t cls;
};
struct NfdFirstRange {
  uint32_t first, last, nfd_first;
};
struct LowerPair {
  uint32_t cpt, lower;
};

#include "tokenizer/wordpiece_tables.inc"

template <typename T, size_t N>
const T* last_not_after(const T (&rows)[N], uint32_t cpt) {
  // The last row whose first code point is <= cpt (rows are sorted; the first starts at 0).
  const T* it =
      std::upper_bound(rows, rows + N, cpt, [](uint32_t v, const T& row) { return v < row.first; });
  return it == rows ? nullptr : it - 1;
}

CharClass char_class(uint32_t cpt) {
  return static_cast<CharClass>(last_not_after(kCharClassRuns, cpt)->cls);
}

uint32_t nfd_first(uint32_t cpt) {
  const NfdFirstRange* r = last_not_after(kNfdFirstRanges, cpt);
  return r && cpt <= r->last ? r->nfd_first : cpt;
}

uint32_t to_lower(uint32_t cpt) {
  if (cpt < 0x80) return cpt >= 'A' && cpt <= 'Z' ? cpt + ('a' - 'A') : cpt;
  const auto* end = kLowerPairs + sizeof(kLowerPairs) / sizeof(kLowerPairs[0]);
  const auto* it = std::lower_bound(kLowerPairs, end, cpt,
                                    [](const LowerPair& p, uint32_t v) { return p.cpt < v; });
  return it != end && it->cpt == cpt ? it->lower : cpt;
}

// CJK ideographs as BERT's tokenizer lists them (Hugging Face's `is_chinese_char`; its Rust
// version, which llama.cpp follows, starts the extension-E range at U+2B920).
bool is_cjk_ideograph(uint32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

uint32_t decode(std::string_view s, size_t i, size_t len) {
  static constexpr uint8_t kMask[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
  uint32_t c = static_cast<uint8_t>(s[i]) & kMask[len];
  for (size_t k = 1; k < len; ++k) c = (c << 6) | (static_cast<uint8_t>(s[i + k]) & 0x3F);
  return c;
}

}  // namespace

std::vector<std::string> wordpiece_words(std::string_view text, const WordPieceNormalizer& opts) {
  std::vector<std::string> words(1);
  auto end_word = [&] {
    if (!words.back().empty()) words.emplace_back();
  };
  for (size_t i = 0; i < text.size();) {
    const size_t len = std::min(utf8_len(static_cast<uint8_t>(text[i])), text.size() - i);
    uint32_t cpt = decode(text, i, len);
    i += len;
    if (opts.strip_accents) cpt = nfd_first(cpt);
    const CharClass cls = char_class(cpt);
    if (cls == kSpace) {
      end_word();
      continue;
    }
    if (cpt == 0 || cpt == 0xFFFD || cls == kRemoved) continue;
    if (cls == kMark && opts.strip_accents) continue;
    const std::string piece = cpt_to_utf8(opts.lowercase ? to_lower(cpt) : cpt);
    if (cls == kPunct || is_cjk_ideograph(cpt)) {
      end_word();
      words.back() = piece;
      words.emplace_back();
    } else {
      words.back() += piece;
    }
  }
  if (words.back().empty()) words.pop_back();
  return words;
}

}  // namespace hearth::tok

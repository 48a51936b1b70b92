#include "safety/normalize.hpp"

#include <cstring>

#include "platform/per_thread.hpp"

namespace hearth::safety {
namespace {

// Base letters of U+0100..U+017F (Latin Extended-A), accents stripped.
constexpr char kLatinExtA[] =
    "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiIiJjKkkLlLlLlLlLlNnNnNnnNnOoOoOoOoRrRrRr"
    "SsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";
static_assert(sizeof kLatinExtA - 1 == 128, "one letter per code point");
// U+00C0..U+00FF; '*' keeps the character (×, ÷), 'S' is ß (folded to "ss").
constexpr char kLatin1[] = "AAAAAAACEEEEIIIIDNOOOOO*OUUUUYTSaaaaaaaceeeeiiiidnooooo*ouuuuyty";
static_assert(sizeof kLatin1 - 1 == 64, "one letter per code point");

bool invisible(uint32_t c) {
  return c == 0x00AD || c == 0x034F || c == 0x061C || c == 0x115F || c == 0x1160 || c == 0x17B4 ||
         c == 0x17B5 || c == 0x180E || (c >= 0x200B && c <= 0x200F) ||
         (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c <= 0x206F) || c == 0x3164 ||
         c == 0xFEFF || c == 0xFFA0 || (c >= 0xFE00 && c <= 0xFE0F) ||
         (c >= 0xE0000 && c <= 0xE0FFF) || (c >= 0x1D173 && c <= 0x1D17A);
}

bool space(uint32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

// Look-alike letters after case folding (Cyrillic, Greek) -> Latin.
uint32_t homoglyph(uint32_t c) {
  switch (c) {
    case 0x0430:
      return 'a';
    case 0x0435:
      return 'e';
    case 0x043E:
      return 'o';
    case 0x0440:
      return 'p';
    case 0x0441:
      return 'c';
    case 0x0443:
      return 'y';
    case 0x0445:
      return 'x';
    case 0x0456:
      return 'i';
    case 0x0458:
      return 'j';
    case 0x0455:
      return 's';
    case 0x043A:
      return 'k';
    case 0x04CF:
      return 'l';
    case 0x03B1:
      return 'a';
    case 0x03BF:
      return 'o';
    case 0x03B5:
      return 'e';
    case 0x03B9:
      return 'i';
    case 0x03BA:
      return 'k';
    case 0x03BD:
      return 'v';
    case 0x03C1:
      return 'p';
    case 0x03C4:
      return 't';
    case 0x03C5:
      return 'u';
    case 0x03C7:
      return 'x';
    default:
      return c;
  }
}

// Folds one code point into out[] (0..3 code points); returns the count.
int fold(uint32_t c, uint32_t out[3]) {
  if (c < 0x80) {
    out[0] = (c >= 'A' && c <= 'Z') ? c + 32 : space(c) ? ' ' : c;
    return 1;
  }
  if (invisible(c)) return 0;
  if (space(c)) {
    out[0] = ' ';
    return 1;
  }
  auto letter = [&](uint32_t i) {
    out[0] = 'a' + i;
    return 1;
  };
  if (c >= 0xFF01 && c <= 0xFF5E) return fold(c - 0xFEE0, out);              // full width
  if (c >= 0x1D400 && c <= 0x1D6A3) return letter((c - 0x1D400) % 52 % 26);  // math letters
  if (c >= 0x1D7CE && c <= 0x1D7FF) {                                        // math digits
    out[0] = '0' + (c - 0x1D7CE) % 10;
    return 1;
  }
  if (c >= 0x249C && c <= 0x24B5) return letter(c - 0x249C);     // parenthesised
  if (c >= 0x24B6 && c <= 0x24CF) return letter(c - 0x24B6);     // circled capitals
  if (c >= 0x24D0 && c <= 0x24E9) return letter(c - 0x24D0);     // circled small
  if (c >= 0x1F130 && c <= 0x1F149) return letter(c - 0x1F130);  // squared
  if (c >= 0x1F150 && c <= 0x1F169) return letter(c - 0x1F150);  // negative circled
  if (c >= 0x1F170 && c <= 0x1F189) return letter(c - 0x1F170);  // negative squared
  if (c >= 0x1F1E6 && c <= 0x1F1FF) return letter(c - 0x1F1E6);  // regional indicators
  if (c >= 0x2460 && c <= 0x2468) {                              // circled digits 1-9
    out[0] = '1' + (c - 0x2460);
    return 1;
  }
  if (c == 0x210E) return letter('h' - 'a');
  if (c >= 0xFB00 && c <= 0xFB06) {  // ligatures ff fi fl ffi ffl st st
    static const char* const kLig[] = {"ff", "fi", "fl", "ffi", "ffl", "st", "st"};
    const char* s = kLig[c - 0xFB00];
    int n = 0;
    for (; s[n]; ++n) out[n] = static_cast<unsigned char>(s[n]);
    return n;
  }
  if (c >= 0xC0 && c <= 0xFF) {
    const char b = kLatin1[c - 0xC0];
    if (b == 'S') {
      out[0] = out[1] = 's';
      return 2;
    }
    if (b != '*') {
      out[0] = static_cast<unsigned char>(b | 0x20);
      return 1;
    }
  }
  if (c >= 0x100 && c <= 0x17F) {
    out[0] = static_cast<unsigned char>(kLatinExtA[c - 0x100] | 0x20);
    return 1;
  }
  if (c >= 0x0391 && c <= 0x03A9) c += 0x20;  // Greek capitals
  if (c >= 0x0410 && c <= 0x042F) c += 0x20;  // Cyrillic capitals
  if (c >= 0x0400 && c <= 0x040F) c += 0x50;
  if (c == 0x04C0) c = 0x04CF;
  out[0] = homoglyph(c);
  return 1;
}

// Decodes one UTF-8 character at s[i]; returns its length, 0 when the input ends inside it.
// Invalid bytes decode as U+FFFD, one byte each.
size_t decode(std::string_view s, size_t i, bool final, uint32_t& cp) {
  const auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) {
    cp = b;
    return 1;
  }
  const size_t len = b >= 0xF0 && b <= 0xF4 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 && b < 0xE0 ? 2 : 0;
  if (len == 0 || b > 0xF4) {
    cp = 0xFFFD;
    return 1;
  }
  uint32_t c = b & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    if (i + k >= s.size()) {
      if (final) break;
      return 0;
    }
    const auto t = static_cast<unsigned char>(s[i + k]);
    if ((t & 0xC0) != 0x80) {
      cp = 0xFFFD;
      return 1;
    }
    c = c << 6 | (t & 0x3F);
    if (k == len - 1) {
      // Overlong forms, surrogates and values past U+10FFFF are not characters.
      const bool overlong = (len == 3 && c < 0x800) || (len == 4 && c < 0x10000);
      cp = overlong || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF ? 0xFFFD : c;
      return len;
    }
  }
  cp = 0xFFFD;
  return 1;
}

void append_utf8(std::string& out, uint32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | c >> 6);
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | c >> 12);
    out += static_cast<char>(0x80 | (c >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | c >> 18);
    out += static_cast<char>(0x80 | (c >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (c >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

bool ascii_letter(uint32_t c) {
  return c >= 'a' && c <= 'z';
}

uint32_t leet(uint32_t c) {
  switch (c) {
    case '0':
      return 'o';
    case '1':
      return 'i';
    case '3':
      return 'e';
    case '4':
      return 'a';
    case '5':
      return 's';
    case '7':
      return 't';
    case '8':
      return 'b';
    case '@':
      return 'a';
    case '$':
      return 's';
    case '!':
      return 'i';
    case '|':
      return 'l';
    case '+':
      return 't';
    default:
      return 0;
  }
}

}  // namespace

void normalize(std::string_view input, bool leet_view, bool final, NormalizedText& out) {
  // Pass 1: folded code points and where each came from.
  struct Folded {
    uint32_t cp;
    uint32_t src;
  };
  auto& folded = platform::per_thread<std::vector<Folded>, Folded>();  // see per_thread.hpp
  folded.clear();
  size_t i = 0;
  while (i < input.size()) {
    uint32_t cp = 0;
    const size_t len = decode(input, i, final, cp);
    if (len == 0) break;
    uint32_t f[3];
    const int n = fold(cp, f);
    for (int k = 0; k < n; ++k) {
      if (f[k] == ' ' && !folded.empty() && folded.back().cp == ' ') continue;
      folded.push_back({f[k], static_cast<uint32_t>(i)});
    }
    i += len;
  }
  out.consumed = i;
  // Pass 2: the view. A leet character counts as a letter only inside a word: next to a letter
  // (digits) or followed by one (symbols), so "sh!t" is read as "shit" but "bad!" and "1000"
  // are left alone.
  out.text.clear();
  out.source.clear();
  for (size_t k = 0; k < folded.size(); ++k) {
    uint32_t c = folded[k].cp;
    if (leet_view) {
      const uint32_t l = leet(c);
      if (l) {
        const bool prev_letter = k > 0 && ascii_letter(folded[k - 1].cp);
        const bool next_letter = k + 1 < folded.size() && ascii_letter(folded[k + 1].cp);
        const bool next_leet = k + 1 < folded.size() && leet(folded[k + 1].cp) != 0;
        const bool digit = c >= '0' && c <= '9';
        if (digit ? (prev_letter || next_letter) : (next_letter || (prev_letter && next_leet)))
          c = l;
      }
    }
    const size_t before = out.text.size();
    append_utf8(out.text, c);
    out.source.insert(out.source.end(), out.text.size() - before, folded[k].src);
  }
  out.source.push_back(static_cast<uint32_t>(out.consumed));
}

std::string normalize(std::string_view input, bool leet_view) {
  NormalizedText t;
  normalize(input, leet_view, true, t);
  return std::move(t.text);
}

}  // namespace hearth::safety

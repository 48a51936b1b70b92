// Plain-text handling shared by the extractors: binary detection, UTF-8 repair, line marks.
#include <algorithm>
#include <cstring>

#include "kb/extract.hpp"

namespace hearth::kb {

bool looks_binary(const std::string& bytes) {
  const size_t n = std::min<size_t>(bytes.size(), 65536);
  return std::memchr(bytes.data(), 0, n) != nullptr;
}

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid (overlong forms,
// surrogates and code points above U+10FFFF are invalid, as RFC 3629 says).
size_t utf8_sequence(const std::string& s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (size_t k = 2; k < len; ++k)
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  return len;
}

}  // namespace

size_t repair_utf8(std::string& text) {
  size_t i = 0, bad = 0;
  // Fast path: most files are valid; copy only when a bad byte is found.
  while (i < text.size()) {
    const size_t len = utf8_sequence(text, i);
    if (len == 0) break;
    i += len;
  }
  if (i == text.size()) return 0;
  std::string out(text, 0, i);
  while (i < text.size()) {
    const size_t len = utf8_sequence(text, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++bad;
      ++i;
    } else {
      out.append(text, i, len);
      i += len;
    }
  }
  text.swap(out);
  return bad;
}

std::vector<std::pair<size_t, int>> line_marks(const std::string& text) {
  std::vector<std::pair<size_t, int>> marks{{0, 1}};
  int line = 1;
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n' && i + 1 < text.size()) marks.emplace_back(i + 1, ++line);
  return marks;
}

int ExtractedText::locate(size_t offset) const {
  auto it = std::upper_bound(marks.begin(), marks.end(), offset,
                             [](size_t off, const auto& m) { return off < m.first; });
  return it == marks.begin() ? 1 : std::prev(it)->second;
}

}  // namespace hearth::kb

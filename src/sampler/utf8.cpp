// UTF-8 boundary helper of the generation loop's text stream.
#include "sampler/utf8.hpp"

namespace hearth {

size_t complete_utf8_prefix(const std::string& s) {
  // Walk back over at most 3 continuation bytes to the last lead byte.
  size_t i = s.size(), back = 0;
  while (i > 0 && back < 4 && (static_cast<unsigned char>(s[i - 1]) & 0xC0) == 0x80) --i, ++back;
  if (i == 0) return back ? 0 : s.size();
  const unsigned char lead = static_cast<unsigned char>(s[i - 1]);
  const size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  return back + 1 >= need ? s.size() : i - 1;
}

}  // namespace hearth

#include <windows.h>

#include "platform/text_case.hpp"

namespace hearth::platform {

uint32_t to_lower(uint32_t c) {
  if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return c;
  wchar_t in[2], out[2];
  int n = 1;
  if (c < 0x10000) {
    in[0] = static_cast<wchar_t>(c);
  } else {  // a surrogate pair
    in[0] = static_cast<wchar_t>(0xD800 + ((c - 0x10000) >> 10));
    in[1] = static_cast<wchar_t>(0xDC00 + ((c - 0x10000) & 0x3FF));
    n = 2;
  }
  if (LCMapStringEx(LOCALE_NAME_INVARIANT, LCMAP_LOWERCASE, in, n, out, n, nullptr, nullptr, 0) !=
      n)
    return c;
  if (n == 1) return out[0];
  if (out[0] < 0xD800 || out[0] > 0xDBFF || out[1] < 0xDC00 || out[1] > 0xDFFF) return c;
  return 0x10000 + ((static_cast<uint32_t>(out[0]) - 0xD800) << 10) + (out[1] - 0xDC00);
}

}  // namespace hearth::platform

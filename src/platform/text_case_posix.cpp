#include <locale.h>
#if defined(__APPLE__)
#include <xlocale.h>  // newlocale, towlower_l
#endif

#include <cwctype>

#include "platform/text_case.hpp"

namespace hearth::platform {

uint32_t to_lower(uint32_t c) {
  // The process's locale may be anything; C.UTF-8 is glibc's locale-independent Unicode one
  // (macOS and the BSDs call theirs "UTF-8").
  static locale_t utf8 = [] {
    locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
    return l ? l : newlocale(LC_CTYPE_MASK, "UTF-8", static_cast<locale_t>(0));
  }();
  if (!utf8) return c;
  return static_cast<uint32_t>(towlower_l(static_cast<wint_t>(c), utf8));
}

}  // namespace hearth::platform

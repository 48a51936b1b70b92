// Unicode lowercasing of one code point (the simple, one-to-one mapping), as the C library of
// the platform knows it: towlower_l in the C.UTF-8 locale on POSIX systems (text_case_posix.cpp),
// LCMapStringEx with the invariant locale on Windows, whose wchar_t is UTF-16 so that towlower
// cannot see code points above U+FFFF (text_case_win32.cpp).
#pragma once

#include <cstdint>

namespace hearth::platform {

// `c` lowercased; `c` itself when it has no lowercase form or no table is available.
uint32_t to_lower(uint32_t c);

}  // namespace hearth::platform

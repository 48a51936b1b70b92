// UTF-8 <-> UTF-16 at the Windows API boundary: hearth's API takes UTF-8 everywhere; the "W"
// functions of Windows take UTF-16, and the "A" ones would read the bytes in the process's
// ANSI code page (not UTF-8 on most systems), so every path goes through widen().
#pragma once
#ifdef _WIN32

#include <string>

namespace hearth::platform {

// Throws Error(kInvalidArgument) for bytes that are not valid UTF-8; `what` names the string
// in that message ("path 'x'").
std::wstring widen(const std::string& utf8, const char* what);
// Invalid UTF-16 (a lone surrogate) becomes U+FFFD.
std::string narrow(const std::wstring& utf16);
// The system's message for a GetLastError() code, in UTF-8, without the trailing newline.
std::string win32_error_message(unsigned long code);

}  // namespace hearth::platform

#endif

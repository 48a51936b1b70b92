// The process's peak resident memory (what `hearth bench` reports): getrusage on POSIX systems
// (memory_usage_posix.cpp), the peak working set on Windows (memory_usage_win32.cpp).
#pragma once

#include <cstdint>

namespace hearth::platform {

// Bytes; 0 when the OS does not say.
uint64_t peak_resident_bytes();

}  // namespace hearth::platform

// clang-format off
#include <windows.h>
#include <psapi.h>  // after windows.h, which it needs
// clang-format on

#include "platform/memory_usage.hpp"

namespace hearth::platform {

uint64_t peak_resident_bytes() {
  PROCESS_MEMORY_COUNTERS counters{};
  counters.cb = sizeof counters;
  // K32GetProcessMemoryInfo: in kernel32 itself since Windows 7, no psapi.dll needed.
  if (!K32GetProcessMemoryInfo(GetCurrentProcess(), &counters, sizeof counters)) return 0;
  return counters.PeakWorkingSetSize;
}

}  // namespace hearth::platform

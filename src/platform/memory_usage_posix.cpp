#include <sys/resource.h>

#include "platform/memory_usage.hpp"

namespace hearth::platform {

uint64_t peak_resident_bytes() {
  struct rusage usage {};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
#if defined(__APPLE__)
  return static_cast<uint64_t>(usage.ru_maxrss);  // bytes on macOS
#else
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;  // KiB on Linux and the BSDs
#endif
}

}  // namespace hearth::platform

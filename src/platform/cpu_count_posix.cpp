#include <unistd.h>

#include "platform/cpu_count.hpp"

namespace hearth::platform {

int online_cpu_count() {
  const long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 0;
}

}  // namespace hearth::platform

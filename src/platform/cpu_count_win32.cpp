#include <windows.h>

#include "platform/cpu_count.hpp"

namespace hearth::platform {

// ALL_PROCESSOR_GROUPS: machines with more than 64 logical processors have several groups;
// std::thread::hardware_concurrency (winpthreads) would count only the process's own group.
int online_cpu_count() {
  return static_cast<int>(GetActiveProcessorCount(ALL_PROCESSOR_GROUPS));
}

}  // namespace hearth::platform

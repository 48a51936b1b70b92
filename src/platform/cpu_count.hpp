// How many logical processors the OS runs this process on (sysconf on POSIX systems:
// cpu_count_posix.cpp; every processor group on Windows: cpu_count_win32.cpp). 0 when unknown.
#pragma once

namespace hearth::platform {

int online_cpu_count();

}  // namespace hearth::platform

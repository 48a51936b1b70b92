// Calendar time without the thread-safety traps of std::gmtime (one static buffer for the
// process): gmtime_r on POSIX systems (clock_posix.cpp), gmtime_s on Windows (clock_win32.cpp).
#pragma once

#include <ctime>

namespace hearth::platform {

// `t` as UTC calendar time; false when it cannot be represented.
bool utc_time(std::time_t t, std::tm& out);

}  // namespace hearth::platform

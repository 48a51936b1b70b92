#include "platform/clock.hpp"

namespace hearth::platform {

// The Microsoft CRT's gmtime_s: arguments in the opposite order to C11 Annex K's.
bool utc_time(std::time_t t, std::tm& out) {
  return gmtime_s(&out, &t) == 0;
}

}  // namespace hearth::platform

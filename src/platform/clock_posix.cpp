#include "platform/clock.hpp"

namespace hearth::platform {

bool utc_time(std::time_t t, std::tm& out) {
  return gmtime_r(&t, &out) != nullptr;
}

}  // namespace hearth::platform

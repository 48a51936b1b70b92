// Windows: the repacked-weight cache is not implemented (hearth.h says so); every call fails,
// so the loader repacks as without a cache.
#include "platform/cache_file.hpp"

namespace hearth::platform {

bool file_identity(const std::string&, FileIdentity*) noexcept {
  return false;
}

bool map_file_readonly(const std::string&, bool, FileMapping*) noexcept {
  return false;
}

bool make_directory(const std::string&) noexcept {
  return false;
}

void remove_file(const std::string&) noexcept {}

}  // namespace hearth::platform

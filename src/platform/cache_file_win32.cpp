// Windows: the repacked-weight cache is not implemented (hearth.h says so); every call fails,
// so the loader repacks as without a cache.
#include "platform/cache_file.hpp"

namespace hearth::platform {

bool file_identity(const std::string&, FileIdentity*) noexcept {
  return false;
}

bool map_file_readonly(const std::string&, FileMapping*) noexcept {
  return false;
}

void populate_readonly(const void*, size_t) noexcept {}

DirectoryAccess directory_access(const std::string&) noexcept {
  return DirectoryAccess::kShared;
}

bool make_directory(const std::string&) noexcept {
  return false;
}

std::FILE* create_new_file(const std::string&) noexcept {
  return nullptr;
}

void remove_file(const std::string&) noexcept {}

}  // namespace hearth::platform

#include <unistd.h>

#include <cstdio>

#include "platform/files.hpp"

namespace hearth::platform {

std::FILE* open_file(const std::string& path, const char* mode) {
  return std::fopen(path.c_str(), mode);
}

bool flush_to_disk(std::FILE* f) {
  return std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
}

bool replace_file(const std::string& from, const std::string& to) {
  return std::rename(from.c_str(), to.c_str()) == 0;
}

long process_id() {
  return static_cast<long>(::getpid());
}

}  // namespace hearth::platform

// platform::read_file (files.hpp): portable on top of open_file, so every whole-file read of the
// library takes a UTF-8 path on Windows too.
#include <cerrno>
#include <cstdio>

#include "platform/files.hpp"

namespace hearth::platform {

bool read_file(const std::string& path, std::string* out) {
  out->clear();
  std::FILE* f = open_file(path, "rb");
  if (!f) return false;
  if (std::fseek(f, 0, SEEK_END) == 0) {
    const long size = std::ftell(f);
    if (size > 0) out->reserve(static_cast<size_t>(size));
    std::rewind(f);
  }
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out->append(buf, n);
  const bool ok = !std::ferror(f);
  const int saved = errno;
  std::fclose(f);
  if (!ok) errno = saved ? saved : EIO;
  return ok;
}

}  // namespace hearth::platform

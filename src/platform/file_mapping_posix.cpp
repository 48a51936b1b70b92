// POSIX (Linux, macOS, the BSDs): open + fstat + mmap; madvise(MADV_DONTNEED) to drop pages.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "hearth/error.hpp"
#include "platform/file_mapping.hpp"

namespace hearth::platform {

FileMapping map_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(Status::kIoError, "cannot open '" + path + "': " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(Status::kIoError, "'" + path + "' is not a regular file");
  }
  FileMapping m;
  m.size = static_cast<size_t>(st.st_size);
  if (m.size > 0) {
    void* map = ::mmap(nullptr, m.size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      fail(Status::kIoError, "cannot map '" + path + "': " + std::strerror(err));
    }
    m.address = map;
  }
  ::close(fd);  // the mapping keeps the file
  return m;
}

void unmap_file(const FileMapping& mapping) noexcept {
  if (mapping.address) ::munmap(const_cast<void*>(mapping.address), mapping.size);
}

void discard_mapped_pages(const void* p, size_t n) noexcept {
  const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + page - 1) / page * page;
  const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + n) / page * page;
  // A clean, read-only private mapping: dropping its pages loses nothing.
  if (begin < end) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

}  // namespace hearth::platform

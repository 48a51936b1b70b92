// POSIX: realpath + stat for identities, open + fstat + mmap for the mapping.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

#include "platform/cache_file.hpp"

namespace hearth::platform {
namespace {

uint64_t mtime_ns(const struct stat& st) {
#if defined(__APPLE__)
  return static_cast<uint64_t>(st.st_mtimespec.tv_sec) * 1000000000u +
         static_cast<uint64_t>(st.st_mtimespec.tv_nsec);
#else
  return static_cast<uint64_t>(st.st_mtim.tv_sec) * 1000000000u +
         static_cast<uint64_t>(st.st_mtim.tv_nsec);
#endif
}

void fill(const struct stat& st, FileIdentity* out) {
  out->size = static_cast<uint64_t>(st.st_size);
  out->mtime_ns = mtime_ns(st);
  out->device = static_cast<uint64_t>(st.st_dev);
  out->inode = static_cast<uint64_t>(st.st_ino);
}

}  // namespace

bool file_identity(const std::string& path, FileIdentity* out) noexcept {
  try {
    char* real = ::realpath(path.c_str(), nullptr);
    if (!real) return false;
    out->path = real;
    std::free(real);
    struct stat st {};
    if (::stat(out->path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
    fill(st, out);
    return true;
  } catch (...) {  // std::bad_alloc from the string
    return false;
  }
}

bool map_file_readonly(const std::string& path, FileMapping* out) noexcept {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
    ::close(fd);
    return false;
  }
  const auto size = static_cast<size_t>(st.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);  // the mapping keeps the file
  if (map == MAP_FAILED) return false;
  out->address = map;
  out->size = size;
  return true;
}

void populate_readonly(const void* p, size_t bytes) noexcept {
  const long page = ::sysconf(_SC_PAGESIZE);
  const auto start = reinterpret_cast<uintptr_t>(p) & ~static_cast<uintptr_t>(page - 1);
  void* at = reinterpret_cast<void*>(start);
  const size_t n = reinterpret_cast<uintptr_t>(p) + bytes - start;
#if defined(__linux__)
  constexpr int kPopulateRead = 22;  // MADV_POPULATE_READ (Linux 5.14+), absent from older headers
  if (::madvise(at, n, kPopulateRead) == 0) return;
#endif
  ::madvise(at, n, MADV_WILLNEED);
}

DirectoryAccess directory_access(const std::string& path) noexcept {
  struct stat st {};  // through symbolic links: the directory it names is what must be private
  if (::stat(path.c_str(), &st) != 0)
    return errno == ENOENT ? DirectoryAccess::kAbsent : DirectoryAccess::kShared;
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    return DirectoryAccess::kShared;
  return DirectoryAccess::kPrivate;
}

bool make_directory(const std::string& path) noexcept {
  if (::mkdir(path.c_str(), 0700) == 0) return true;
  struct stat st {};
  return errno == EEXIST && ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::FILE* create_new_file(const std::string& path) noexcept {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return nullptr;
  std::FILE* f = ::fdopen(fd, "wb");
  if (!f) {
    const int err = errno;
    ::close(fd);
    ::unlink(path.c_str());
    errno = err;
  }
  return f;
}

void remove_file(const std::string& path) noexcept {
  ::unlink(path.c_str());
}

}  // namespace hearth::platform

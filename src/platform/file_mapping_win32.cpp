// Windows: CreateFileW (UTF-16 path) + CreateFileMappingW + MapViewOfFile; VirtualUnlock to drop
// pages from the working set.
#include <windows.h>

#include <cstdint>

#include "hearth/error.hpp"
#include "platform/file_mapping.hpp"
#include "platform/utf16_win32.hpp"

namespace hearth::platform {
namespace {

[[noreturn]] void fail_last_error(const std::string& what) {
  const DWORD code = GetLastError();
  fail(Status::kIoError, what + ": " + win32_error_message(code));
}

// Closes a HANDLE on every path out of map_file.
struct Handle {
  HANDLE h;
  ~Handle() {
    if (h && h != INVALID_HANDLE_VALUE) CloseHandle(h);
  }
};

}  // namespace

FileMapping map_file(const std::string& path) {
  const std::wstring wide = widen(path, ("path '" + path + "'").c_str());
  // FILE_SHARE_DELETE: like an mmap on POSIX, the mapping must not stop others from renaming or
  // deleting the file (a model replaced while a server has the old one loaded).
  Handle file{CreateFileW(wide.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, nullptr,
                          OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr)};
  if (file.h == INVALID_HANDLE_VALUE) fail_last_error("cannot open '" + path + "'");
  BY_HANDLE_FILE_INFORMATION info{};
  if (GetFileType(file.h) != FILE_TYPE_DISK || !GetFileInformationByHandle(file.h, &info) ||
      (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY))
    fail(Status::kIoError, "'" + path + "' is not a regular file");
  const uint64_t size = (uint64_t{info.nFileSizeHigh} << 32) | info.nFileSizeLow;
  FileMapping m;
  m.size = static_cast<size_t>(size);
  if (m.size == 0) return m;  // CreateFileMapping refuses empty files
  Handle section{CreateFileMappingW(file.h, nullptr, PAGE_READONLY, 0, 0, nullptr)};
  if (!section.h) fail_last_error("cannot map '" + path + "'");
  // The view keeps the section and the file open; both handles can go now.
  m.address = MapViewOfFile(section.h, FILE_MAP_READ, 0, 0, 0);
  if (!m.address) fail_last_error("cannot map '" + path + "'");
  return m;
}

void unmap_file(const FileMapping& mapping) noexcept {
  if (mapping.address) UnmapViewOfFile(mapping.address);
}

void discard_mapped_pages(const void* p, size_t n) noexcept {
  SYSTEM_INFO si;
  GetSystemInfo(&si);
  const uintptr_t page = si.dwPageSize;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + page - 1) / page * page;
  const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + n) / page * page;
  // VirtualUnlock on pages that are not locked removes them from the working set (documented
  // behaviour; it then reports ERROR_NOT_LOCKED). Clean file pages are simply re-read later.
  if (begin < end) VirtualUnlock(reinterpret_cast<void*>(begin), end - begin);
}

}  // namespace hearth::platform

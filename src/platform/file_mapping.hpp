// Read-only memory mappings of whole files. Platform code: the
// only place that knows how (mmap on POSIX systems: file_mapping_posix.cpp; CreateFileMapping /
// MapViewOfFile on Windows: file_mapping_win32.cpp, where a UTF-8 path is converted to UTF-16 at
// the OS boundary, so any path works whatever the process's code page).
#pragma once

#include <cstddef>
#include <string>

namespace hearth::platform {

// A mapping of a whole file; address is null for an empty file (nothing can be mapped).
struct FileMapping {
  const void* address = nullptr;
  size_t size = 0;
};

// Maps the regular file at `path` (UTF-8) read-only. Throws Error(kIoError) naming the path
// when it cannot be opened, is not a regular file or cannot be mapped, and
// Error(kInvalidArgument) when the path is not valid UTF-8 (Windows). The file may be closed,
// renamed or deleted afterwards; the mapping stays valid until unmap_file.
FileMapping map_file(const std::string& path);

// Releases a mapping made by map_file (no-op for an empty one).
void unmap_file(const FileMapping& mapping) noexcept;

// Tells the OS that the whole pages inside [p, p + n) of a read-only file mapping are not
// needed for now: they are dropped from memory and read again from the file when touched.
// A hint: failure is harmless and ignored.
void discard_mapped_pages(const void* p, size_t n) noexcept;

}  // namespace hearth::platform

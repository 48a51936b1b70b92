// The file-system operations of the repacked-weight cache (model/repack_cache.cpp): a file's
// identity, a read-only mapping that does not throw, a directory made on demand.
// Platform code: cache_file_posix.cpp; cache_file_win32.cpp has none of them (every call
// fails), so on Windows the cache is accepted and does nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "platform/file_mapping.hpp"

namespace hearth::platform {

// What tells one version of a file from another: its absolute path (symbolic links resolved),
// size, modification time and inode. A file rewritten in place changes size or mtime; a file
// replaced by rename changes inode.
struct FileIdentity {
  std::string path;
  uint64_t size = 0;
  uint64_t mtime_ns = 0;
  uint64_t device = 0;
  uint64_t inode = 0;
};

// The identity of the regular file at `path`; false when it cannot be read (or on Windows).
bool file_identity(const std::string& path, FileIdentity* out) noexcept;

// Maps the regular file at `path` read-only and private (a change to the file after this call
// may or may not show: callers check what they read). False, with nothing mapped, on any
// failure (or on Windows). Release with unmap_file.
bool map_file_readonly(const std::string& path, FileMapping* out) noexcept;

// Maps every page of `bytes` bytes from `p` (within a read-only mapping) now, reading what is
// not in the page cache, so that later reads take no page faults (MADV_POPULATE_READ, Linux
// 5.14+; else MADV_WILLNEED, which only starts the reads). Best effort.
void populate_readonly(const void* p, size_t bytes) noexcept;

// Whether only this user can change the directory at `path`: a directory owned by the effective
// user and writable by no one else (as ssh asks of ~/.ssh). Anyone else who can write in the
// cache directory could plant a cache file, whose weights the loader would trust, or a symbolic
// link where the temporary file is created.
enum class DirectoryAccess { kPrivate, kAbsent, kShared };
DirectoryAccess directory_access(const std::string& path) noexcept;

// Creates the directory `path` with mode 0700 (its parent must exist) unless it exists; true
// when it exists afterwards.
bool make_directory(const std::string& path) noexcept;

// Creates the file `path` for writing with mode 0600, failing when anything exists there (a
// symbolic link included: none is followed). Null on failure, errno set.
std::FILE* create_new_file(const std::string& path) noexcept;

// Deletes the file at `path` (a temporary file after a failed write); failure is ignored.
void remove_file(const std::string& path) noexcept;

}  // namespace hearth::platform

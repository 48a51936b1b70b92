// Files by UTF-8 path, written safely: the few file operations whose portable forms are wrong on
// some platform. On Windows the narrow CRT functions read a path in the ANSI code page (not
// UTF-8), and rename() refuses to replace an existing file. files_posix.cpp, files_win32.cpp.
#pragma once

#include <cstdio>
#include <string>

namespace hearth::platform {

// std::fopen with a UTF-8 path on every platform (_wfopen on Windows); null on failure, with
// errno set.
std::FILE* open_file(const std::string& path, const char* mode);

// The whole file at a UTF-8 path (through open_file), read to its end even if it grew since it
// was opened. False on failure to open or read, with errno set (*out then holds what was read).
bool read_file(const std::string& path, std::string* out);

// Flushes `f` and asks the OS to put its bytes on the disk (fsync; _commit on Windows), so a
// rename that follows publishes complete data. False on failure, with errno set.
bool flush_to_disk(std::FILE* f);

// Renames `from` to `to`, replacing `to` if it exists, atomically where the OS can (POSIX
// rename; MoveFileExW with MOVEFILE_REPLACE_EXISTING on Windows). False on failure, with errno
// set.
bool replace_file(const std::string& from, const std::string& to);

// This process's id: part of temporary file names, so two processes never share one.
long process_id();

}  // namespace hearth::platform

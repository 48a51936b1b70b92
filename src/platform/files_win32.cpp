#include <io.h>
#include <windows.h>

#include <cerrno>

#include "hearth/error.hpp"
#include "platform/files.hpp"
#include "platform/utf16_win32.hpp"

namespace hearth::platform {

std::FILE* open_file(const std::string& path, const char* mode) {
  try {
    const std::wstring wide_path = widen(path, "path");
    const std::wstring wide_mode = widen(mode, "mode");
    return _wfopen(wide_path.c_str(), wide_mode.c_str());
  } catch (const Error&) {
    errno = EINVAL;  // a path that is not UTF-8 names no file
    return nullptr;
  }
}

bool flush_to_disk(std::FILE* f) {
  return std::fflush(f) == 0 && _commit(_fileno(f)) == 0;
}

bool replace_file(const std::string& from, const std::string& to) {
  try {
    const std::wstring wide_from = widen(from, "path");
    const std::wstring wide_to = widen(to, "path");
    if (MoveFileExW(wide_from.c_str(), wide_to.c_str(),
                    MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
      return true;
    errno = GetLastError() == ERROR_ACCESS_DENIED ? EACCES : EIO;
  } catch (const Error&) {
    errno = EINVAL;
  }
  return false;
}

long process_id() {
  return static_cast<long>(GetCurrentProcessId());
}

}  // namespace hearth::platform

#include "utf8_args.hpp"

#ifdef _WIN32
#include <windows.h>
// windows.h first: shellapi.h needs its types.
#include <shellapi.h>

#include "platform/utf16_win32.hpp"
#endif

namespace hearth::cli {

std::vector<std::string> utf8_arguments(int argc, char** argv) {
#ifdef _WIN32
  int n = 0;
  if (wchar_t** wide = CommandLineToArgvW(GetCommandLineW(), &n)) {
    std::vector<std::string> args;
    for (int i = 0; i < n; ++i) args.push_back(platform::narrow(wide[i]));
    LocalFree(wide);
    SetConsoleOutputCP(CP_UTF8);  // the text hearth prints is UTF-8
    return args;
  }
#endif
  return std::vector<std::string>(argv, argv + argc);
}

}  // namespace hearth::cli

// The command line as UTF-8 on every platform. MinGW's main() receives Windows' arguments in the
// ANSI code page, so a non-ASCII path typed on the command line would not reach the library as
// the UTF-8 its API takes; on Windows the arguments are read again as UTF-16
// (GetCommandLineW) and converted, and console output is switched to UTF-8.
#pragma once

#include <string>
#include <vector>

namespace hearth::cli {

// argv[0..argc) as UTF-8 strings (elsewhere than Windows: argv as it is).
std::vector<std::string> utf8_arguments(int argc, char** argv);

}  // namespace hearth::cli

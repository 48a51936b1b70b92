// Whole-file reads for the sub-commands (templates, conversations).
#pragma once

#include <string>

namespace hearth::cli {

// The bytes of `path`; throws Error(kIoError) "cannot open 'PATH'" when it cannot be read.
std::string read_text_file(const std::string& path);

}  // namespace hearth::cli

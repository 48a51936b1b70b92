#include "text_file.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iterator>

#include "hearth/error.hpp"

namespace hearth::cli {

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(Status::kIoError, fmt::format("cannot open '{}'", path));
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace hearth::cli

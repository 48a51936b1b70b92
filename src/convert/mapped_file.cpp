#include "convert/mapped_file.hpp"

#include <cstdio>

#include "hearth/error.hpp"
#include "platform/file_mapping.hpp"
#include "platform/files.hpp"

namespace hearth::convert {

MappedFile::MappedFile(const std::string& path) : path_(path) {
  const platform::FileMapping m = platform::map_file(path);  // throws kIoError naming path
  data_ = static_cast<const uint8_t*>(m.address);
  size_ = m.size;
}

MappedFile::~MappedFile() {
  platform::unmap_file({data_, size_});
}

std::string read_text_file(const std::string& path) {
  std::FILE* f = platform::open_file(path, "rb");  // UTF-8 path on every platform
  if (!f) fail(Status::kIoError, "cannot open '" + path + "'");
  std::string text;
  char buf[1 << 14];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  const bool bad = std::ferror(f) != 0;
  std::fclose(f);
  if (bad) fail(Status::kIoError, "cannot read '" + path + "'");
  return text;
}

}  // namespace hearth::convert

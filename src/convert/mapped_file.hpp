// A read-only memory mapping of a whole file (input checkpoints are only read).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace hearth::convert {

class MappedFile {
 public:
  // Maps `path`; throws Error(kIoError) naming the file when it cannot be opened or mapped.
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// Reads a whole (small, text) file; throws Error(kIoError) when missing or unreadable.
std::string read_text_file(const std::string& path);

}  // namespace hearth::convert

// Helpers for fuzz targets whose code under test reads files (importers, session files): the
// input is split into the files' contents, written to a private folder, and removed again.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::fuzz {

// Parts of the input separated by this line (mutations can create, drop or move it; the seed
// corpus uses it to pack several valid files into one input).
constexpr std::string_view kFileSeparator = "\n#HEARTH-FILE#\n";

inline std::vector<std::string> split_files(const uint8_t* data, size_t size, size_t n_parts) {
  std::vector<std::string> parts(n_parts);
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (size_t i = 0; i < n_parts; ++i) {
    const size_t at = i + 1 < n_parts ? in.find(kFileSeparator) : std::string_view::npos;
    parts[i] = std::string(in.substr(0, at));
    if (at == std::string_view::npos) break;
    in.remove_prefix(at + kFileSeparator.size());
  }
  return parts;
}

// A folder of this process under the temporary directory, emptied for each input.
class ScratchDir {
 public:
  ScratchDir()
      : path_(std::filesystem::temp_directory_path() /
              ("hearth-fuzz-" + std::to_string(static_cast<long>(::getpid())))) {}
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& reset() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
    std::filesystem::create_directories(path_);
    return path_;
  }
  // Writes `bytes` to the file `name` inside the folder; returns its path.
  std::string write(const std::string& name, const std::string& bytes) const {
    const std::string p = (path_ / name).string();
    std::FILE* f = std::fopen(p.c_str(), "wb");
    if (!f) return p;
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
    return p;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace hearth::fuzz

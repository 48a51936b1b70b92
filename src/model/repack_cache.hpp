// An opt-in file cache of the repacked (R16) weights: a later load maps the file read-only
// instead of repacking, so it takes page-cache pages as they are (no zeroing, no copy).
//
// One file per source file and layout in the cache directory, named from a hash of the
// source's absolute path, the layout version, the list of repacked tensors and a sample of
// the packer's output for each type (so a layout change invalidates old files); the source's
// size, mtime and inode, the tensors' offsets and sizes and the data's size are in its header
// too. A load builds the header it expects and compares it byte for byte with the file's
// (nothing in the file is parsed, so a hostile or damaged file can only fail the compare), and
// checks the file's size; anything else repacks as without a cache and rewrites the file (a
// source changed in place overwrites its stale cache: same name). The data holds no pointer and
// nothing of the CPU: the R16 layout is the same for every ISA (kernels/packed_rows.hpp), and
// the list of tensors the active kernels repack is part of the name and header.
// Not detected: a payload changed behind an intact header (checksumming it would cost the load
// what the cache saves; the kernels read any bytes as weights, so it gives wrong outputs as
// a damaged GGUF would), and a cache file truncated in place while mapped (hearth never does that:
// it replaces files by rename), which faults the process as a GGUF truncated in place does. Writes
// are best effort and atomic (a temporary file in the directory, renamed): a full disk or a
// read-only directory only logs a warning (hearth_log_set). POSIX only: on Windows no file has an
// identity (platform/cache_file_win32.cpp), so the cache does nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hearth/gguf.hpp"

namespace hearth::model {

// One repacked weight: where its rows are in the source file and where its copy is in the
// repacked buffer.
struct RepackedTensor {
  uint64_t source_offset = 0;  // from the start of the file
  uint64_t packed_offset = 0;  // from the start of the buffer
  uint64_t bytes = 0;          // of the copy
  uint32_t type = 0;           // DType
  int64_t n_in = 0;
  int64_t rows = 0;  // the rows copied (whole groups of 16)
  uint64_t row_bytes = 0;
};

// The cache directory a load uses: `option` when not empty, else the environment's
// HEARTH_REPACK_CACHE, else "" (no cache).
std::string repack_cache_dir(const std::string& option);

class RepackCache {
 public:
  // The cache of `file`'s repacked buffer of `total` bytes holding `tensors`, in `dir`.
  // Inactive (load() null, store() nothing) when `dir` is empty or the source has no identity
  // (a buffer parsed in memory, a file changed since it was mapped, Windows). Never throws.
  RepackCache(const std::string& dir, const GgufFile& file,
              const std::vector<RepackedTensor>& tensors, size_t total) noexcept;

  bool active() const { return !path_.empty(); }
  // The cache file's path ("" when inactive).
  const std::string& path() const { return path_; }

  // The cached buffer (`total` bytes, 64 KiB aligned), mapped read-only; it keeps the mapping
  // while any copy of it lives. Null when inactive or the file is absent or does not match.
  std::shared_ptr<const uint8_t> load() const noexcept;

  // Writes the buffer (`total` bytes) to the cache file, replacing it atomically. Best effort.
  void store(const uint8_t* data) const noexcept;

 private:
  std::string header_;  // the expected header, padded to data_offset_
  std::string path_;
  size_t total_ = 0;
};

}  // namespace hearth::model

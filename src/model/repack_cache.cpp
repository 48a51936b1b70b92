#include "model/repack_cache.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/log.hpp"
#include "hearth/dtype.hpp"
#include "kernels/packed_rows.hpp"
#include "platform/cache_file.hpp"
#include "platform/files.hpp"

namespace hearth::model {
namespace {

// Bump when the R16 layout (kernels/packed_rows*.hpp) or this file's format changes: old cache
// files then no longer match and are rewritten.
constexpr uint32_t kLayoutVersion = 1;
constexpr char kMagic[16] = "HEARTH-R16-CACH";  // 15 characters and the NUL
// The data starts on a 64 KiB boundary of the file, so that the mapped data is aligned to any
// page size (4, 16 or 64 KiB) and every 64-byte weight vector stays aligned.
constexpr size_t kDataAlign = size_t{64} << 10;

void put(std::string& s, const void* p, size_t n) {
  s.append(static_cast<const char*>(p), n);
}
void put64(std::string& s, uint64_t v) {
  put(s, &v, sizeof v);
}
void put32(std::string& s, uint32_t v) {
  put(s, &v, sizeof v);
}

// FNV-1a, 64 bits: names the file; the header check does not rely on it.
uint64_t fnv1a(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// The bytes the portable packer writes for one group of 16 rows of each type in `tensors`,
// from fixed input bytes: part of the name and header, so that a change to the R16 layout
// invalidates old cache files even if nobody bumps kLayoutVersion. Microseconds.
std::string layout_sample(const std::vector<RepackedTensor>& tensors) {
  std::string out;
  std::vector<uint32_t> done;
  constexpr int64_t kIn = 256;
  for (const RepackedTensor& t : tensors) {
    if (std::find(done.begin(), done.end(), t.type) != done.end()) continue;
    done.push_back(t.type);
    const auto type = static_cast<DType>(t.type);
    const auto rb = row_bytes(type, kIn);
    if (!rb || !kernels::packable_rows16(type, kIn, kernels::kPackedRows)) continue;
    std::vector<uint8_t> rows(*rb * kernels::kPackedRows), packed(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<uint8_t>(i * 131 + 7);
    kernels::pack_rows16(type, rows.data(), *rb, kIn, 0, 1, packed.data());
    put32(out, t.type);
    put(out, packed.data(), packed.size());
  }
  return out;
}

// The file name's stem: the source's, without odd characters.
std::string stem(const std::string& path) {
  std::string name = path.substr(path.find_last_of('/') + 1);
  if (name.size() > 5 && name.compare(name.size() - 5, 5, ".gguf") == 0)
    name.resize(name.size() - 5);
  if (name.size() > 64) name.resize(64);
  for (char& c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) c = '_';
  return name;
}

void warn_not_private(const std::string& dir) {
  log(LogLevel::kWarn, fmt::format("repack cache: cannot use '{}': the cache directory must be "
                                   "yours and writable by no one else; not cached",
                                   dir));
}

}  // namespace

std::string repack_cache_dir(const std::string& option) {
  if (!option.empty()) return option;
  const char* env = std::getenv("HEARTH_REPACK_CACHE");
  return env ? env : "";
}

RepackCache::RepackCache(const std::string& dir, const GgufFile& file,
                         const std::vector<RepackedTensor>& tensors, size_t total) noexcept
    : total_(total) {
  if (dir.empty() || file.path().empty() || tensors.empty()) return;
  try {
    platform::FileIdentity id;
    // A size other than the mapping's: the file changed since it was opened; no cache for it.
    if (!platform::file_identity(file.path(), &id) || id.size != file.file_size()) {
      log(LogLevel::kInfo,
          fmt::format("repack cache: no identity for '{}'; not cached", file.path()));
      return;
    }
    // What names the file: the source's path and the layout (not its version of the source, so
    // a source changed in place replaces its stale cache instead of adding one).
    std::string layout;
    put32(layout, kLayoutVersion);
    put32(layout, 0x01020304u);  // byte order
    put64(layout, total);
    put64(layout, tensors.size());
    for (const RepackedTensor& t : tensors) {
      put64(layout, t.source_offset);
      put64(layout, t.packed_offset);
      put64(layout, t.bytes);
      put64(layout, t.type);
      put64(layout, static_cast<uint64_t>(t.n_in));
      put64(layout, static_cast<uint64_t>(t.rows));
      put64(layout, t.row_bytes);
    }
    layout += layout_sample(tensors);
    std::string h;
    put(h, kMagic, sizeof kMagic);
    put64(h, id.size);
    put64(h, id.mtime_ns);
    put64(h, id.device);
    put64(h, id.inode);
    put64(h, id.path.size());
    h += id.path;
    h += layout;
    const size_t data_offset = (h.size() + kDataAlign - 1) / kDataAlign * kDataAlign;
    h.resize(data_offset, '\0');
    header_ = std::move(h);
    std::string dir_slash = dir;
    if (dir_slash.back() != '/') dir_slash += '/';
    // A directory others can write in could hold a planted cache file (weights this load
    // would trust) or a link where the temporary file goes: not used (store() makes an absent
    // one with mode 0700).
    if (platform::directory_access(dir) == platform::DirectoryAccess::kShared) {
      warn_not_private(dir);
      header_.clear();
      return;
    }
    path_ = fmt::format("{}{}-{:016x}.hearth-r16", dir_slash, stem(id.path),
                        fnv1a(id.path + '\0' + layout));
  } catch (...) {  // std::bad_alloc: no cache
    header_.clear();
    path_.clear();
  }
}

std::shared_ptr<const uint8_t> RepackCache::load() const noexcept {
  if (!active()) return nullptr;
  platform::FileMapping m;
  if (!platform::map_file_readonly(path_, &m)) return nullptr;  // absent: first load
  const auto* base = static_cast<const uint8_t*>(m.address);
  if (m.size != header_.size() + total_ || std::memcmp(base, header_.data(), header_.size()) != 0) {
    platform::unmap_file(m);
    log(LogLevel::kInfo,
        fmt::format("repack cache: '{}' is stale or damaged; repacking and rewriting it", path_));
    return nullptr;
  }
  // Every page of the data mapped now, after the header matched (a stale file is not read):
  // ~1 ms for 500 MiB in the page cache (the kernel maps whole folios), and the first decode
  // takes no page faults; without it the load gains nothing measurable (docs/performance.md).
  platform::populate_readonly(base + header_.size(), total_);
  try {
    log(LogLevel::kDebug, fmt::format("repack cache: using '{}'", path_));
    return std::shared_ptr<const uint8_t>(base + header_.size(),
                                          [m](const uint8_t*) { platform::unmap_file(m); });
  } catch (...) {  // the control block's allocation (the deleter then unmapped)
    return nullptr;
  }
}

void RepackCache::store(const uint8_t* data) const noexcept {
  if (!active()) return;
  static std::atomic<unsigned> counter{0};
  std::string tmp;
  try {
    tmp = fmt::format("{}.tmp.{}.{}", path_, platform::process_id(), counter++);
    const std::string dir = path_.substr(0, path_.find_last_of('/'));
    if (!dir.empty()) {
      platform::make_directory(dir);
      // Made by someone else since the constructor looked, or not made: see there.
      if (platform::directory_access(dir) == platform::DirectoryAccess::kShared) {
        warn_not_private(dir);
        return;
      }
    }
    std::FILE* f = platform::create_new_file(tmp);  // no link followed, mode 0600
    if (!f) {
      log(LogLevel::kWarn, fmt::format("repack cache: cannot write '{}': {}; not cached", tmp,
                                       std::strerror(errno)));
      return;
    }
    bool ok = std::fwrite(header_.data(), 1, header_.size(), f) == header_.size() &&
              std::fwrite(data, 1, total_, f) == total_ && platform::flush_to_disk(f);
    const int err = errno;
    ok = std::fclose(f) == 0 && ok;
    if (ok && platform::replace_file(tmp, path_)) {
      log(LogLevel::kInfo, fmt::format("repack cache: wrote '{}' ({} MiB)", path_, total_ >> 20));
      return;
    }
    log(LogLevel::kWarn, fmt::format("repack cache: cannot write '{}': {}; not cached", path_,
                                     std::strerror(ok ? errno : err)));
  } catch (...) {  // std::bad_alloc
  }
  if (!tmp.empty()) platform::remove_file(tmp);
}

}  // namespace hearth::model

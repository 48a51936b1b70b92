// The repacked-weight cache (model/repack_cache.hpp): a load through the cache gives the same
// logits, bit for bit, as repacking; the file is reused, not rewritten; a changed source, a
// damaged, truncated, other-version or other-model cache file is ignored (and rewritten); a
// directory that cannot be written loads without a cache. The reference is the load without a
// cache (repacking from the file), and the row-layout load (HEARTH_REPACK=0) for the changed
// source.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "hearth.h"
#include "hearth/context.hpp"
#include "hearth/model.hpp"
#include "test_data.hpp"

namespace hearth {
namespace {

namespace fs = std::filesystem;

// The library's messages about the cache, counted by kind.
std::mutex log_mutex;
std::vector<std::string> messages;
void collect(int, const char* message, void*) {
  std::lock_guard<std::mutex> lock(log_mutex);
  if (std::strstr(message, "repack cache")) messages.emplace_back(message);
}
int count(const char* what) {
  std::lock_guard<std::mutex> lock(log_mutex);
  int n = 0;
  for (const auto& m : messages) n += m.find(what) != std::string::npos;
  return n;
}

// Identity of the cache file: a rewrite (temporary file renamed) changes the inode.
struct Stamp {
  ino_t inode = 0;
  int64_t mtime_ns = 0;
  int64_t size = -1;
  bool operator==(const Stamp& o) const {
    return inode == o.inode && mtime_ns == o.mtime_ns && size == o.size;
  }
};
Stamp stamp(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return {};
  return {st.st_ino, static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
          static_cast<int64_t>(st.st_size)};
}

class RepackCacheTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    const std::string src = test::data_path(std::string("models/synth/") + GetParam());
    HEARTH_REQUIRE_DATA(src);
    static int serial = 0;
    dir_ = fs::temp_directory_path() /
           ("hearth_repack_cache_" + std::to_string(::getpid()) + "_" + std::to_string(serial++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    model_ = dir_ / "model.gguf";
    cache_ = dir_ / "cache";
    fs::copy_file(src, model_);
    unsetenv("HEARTH_REPACK_CACHE");
    unsetenv("HEARTH_REPACK");
    {
      std::lock_guard<std::mutex> lock(log_mutex);
      messages.clear();
    }
    set_log_callback(collect, nullptr);
  }
  void TearDown() override {
    set_log_callback(nullptr, nullptr);
    if (!dir_.empty()) {
      ::chmod(cache_.c_str(), 0755);
      fs::remove_all(dir_);
    }
  }

  // Logits after a short prompt, with the model loaded through `cache` ("" = no cache).
  std::vector<float> logits(const std::string& cache, size_t* repacked = nullptr) {
    ModelLoadOptions o;
    o.repack_cache = cache;
    auto model = Model::load(GgufFile::open(model_.string()), o);
    if (repacked) *repacked = model->repacked_bytes();
    ContextParams p;
    p.n_ctx = 64;
    p.n_threads = 2;
    Context ctx(model, p);
    const int32_t prompt[] = {1, 17, 300, 42, 5, 99};
    ctx.decode(prompt, std::size(prompt));
    return std::vector<float>(ctx.logits(), ctx.logits() + ctx.n_vocab());
  }

  // The one cache file in the cache directory (empty path if none).
  fs::path cache_file() const {
    fs::path found;
    if (!fs::is_directory(cache_)) return found;
    for (const auto& e : fs::directory_iterator(cache_))
      if (e.path().extension() == ".hearth-r16") {
        EXPECT_TRUE(found.empty()) << "two cache files";
        found = e.path();
      }
    return found;
  }

  static void expect_same(const std::vector<float>& a, const std::vector<float>& b) {
    ASSERT_EQ(a.size(), b.size());
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0)
        << "logits differ (not bit-identical)";
  }

  // Overwrites `n` bytes at `offset` of `p` in place (same inode).
  static void patch(const fs::path& p, uint64_t offset, const void* bytes, size_t n) {
    std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(static_cast<const char*>(bytes), static_cast<std::streamsize>(n));
  }

  fs::path dir_, model_, cache_;
};

TEST_P(RepackCacheTest, SecondLoadMapsTheCacheWithIdenticalLogits) {
  size_t repacked = 0;
  const auto want = logits("", &repacked);
  if (repacked == 0) GTEST_SKIP() << "the active kernels repack nothing of " << GetParam();
  EXPECT_FALSE(fs::exists(cache_)) << "no cache unless asked";

  expect_same(logits(cache_.string()), want);  // repacks, writes the cache
  const fs::path file = cache_file();
  ASSERT_FALSE(file.empty());
  EXPECT_EQ(count("wrote"), 1);
  EXPECT_GT(stamp(file).size, static_cast<int64_t>(repacked));
  const Stamp written = stamp(file);

  size_t mapped = 0;
  expect_same(logits(cache_.string(), &mapped), want);  // maps it
  EXPECT_EQ(mapped, repacked);
  EXPECT_EQ(count("using"), 1);
  EXPECT_EQ(count("wrote"), 1) << "the second load rewrote the cache";
  EXPECT_TRUE(stamp(file) == written) << "the cache file changed";

  // The environment's directory when the option is empty.
  setenv("HEARTH_REPACK_CACHE", cache_.c_str(), 1);
  expect_same(logits(""), want);
  unsetenv("HEARTH_REPACK_CACHE");
  EXPECT_EQ(count("using"), 2);
  EXPECT_EQ(count("wrote"), 1);
}

TEST_P(RepackCacheTest, ChangedSourceInvalidatesTheCache) {
  size_t repacked = 0;
  logits(cache_.string(), &repacked);
  if (repacked == 0) GTEST_SKIP() << "the active kernels repack nothing of " << GetParam();
  const fs::path file = cache_file();
  ASSERT_FALSE(file.empty());
  const auto before = logits("");

  // Change a repacked weight's byte in place (same path, size and inode; new mtime).
  uint64_t offset = 0;
  {
    auto g = GgufFile::open(model_.string());
    const GgufTensorInfo* t = g->find_tensor("blk.0.ffn_down.weight");
    ASSERT_NE(t, nullptr);
    offset = g->data_offset() + t->offset;
  }
  ::usleep(20000);  // a later mtime even on coarse clocks
  for (uint64_t i = 0; i < 4096; i += 34) {
    const uint8_t b = 0x7f;
    patch(model_, offset + i + 2, &b, 1);  // quants, not scales
  }
  setenv("HEARTH_REPACK", "0", 1);
  const auto row_layout = logits("");  // independent of any repacking
  unsetenv("HEARTH_REPACK");
  ASSERT_NE(std::memcmp(before.data(), row_layout.data(), before.size() * sizeof(float)), 0)
      << "the patch did not change the model";

  const auto after = logits(cache_.string());
  EXPECT_EQ(count("stale"), 1);
  EXPECT_EQ(count("wrote"), 2);
  expect_same(after, logits(""));
  // Repacked and row-layout kernels agree to rounding, not bit for bit: the changed weights
  // show in both.
  for (size_t i = 0; i < after.size(); ++i) ASSERT_NEAR(after[i], row_layout[i], 1e-2f) << i;
  expect_same(logits(cache_.string()), after);  // the rewritten cache is used
  EXPECT_EQ(count("using"), 1);
}

TEST_P(RepackCacheTest, DamagedCacheFilesAreIgnoredAndRewritten) {
  size_t repacked = 0;
  const auto want = logits(cache_.string(), &repacked);
  if (repacked == 0) GTEST_SKIP() << "the active kernels repack nothing of " << GetParam();
  const fs::path file = cache_file();
  ASSERT_FALSE(file.empty());
  const Stamp good = stamp(file);
  const uint64_t full = static_cast<uint64_t>(good.size);
  uint64_t path_len = 0;
  {
    std::ifstream f(file, std::ios::binary);
    f.seekg(16 + 4 * 8);  // magic, source size, mtime, device, inode
    f.read(reinterpret_cast<char*>(&path_len), sizeof path_len);
  }
  ASSERT_GT(path_len, 0u);
  ASSERT_LT(path_len, 65536u);
  const uint64_t version_at = 16 + 5 * 8 + path_len;

  struct Damage {
    const char* what;
    std::function<void()> apply;
  };
  const std::vector<Damage> damages = {
      {"truncated", [&] { fs::resize_file(file, full - 4096); }},
      {"empty", [&] { fs::resize_file(file, 0); }},
      {"longer", [&] { fs::resize_file(file, full + 1); }},
      {"bad magic", [&] { patch(file, 0, "X", 1); }},
      {"other version",
       [&] {
         const uint32_t v = 2;
         patch(file, version_at, &v, sizeof v);
       }},
      {"other source size",
       [&] {
         const uint64_t v = 1;
         patch(file, 16, &v, sizeof v);
       }},
      {"other tensor offset",
       [&] {
         const uint8_t b = 0xff;
         patch(file, version_at + 4 + 4 + 8 + 8 + 3, &b, 1);  // first tensor's source offset
       }},
      {"other model",
       [&] {
         const fs::path other = dir_ / "other.gguf";
         fs::copy_file(test::data_path("models/synth/qwen2-d128-q8_0.gguf"), other,
                       fs::copy_options::overwrite_existing);
         const fs::path other_cache = dir_ / "other-cache";
         Model::load(GgufFile::open(other.string()), {other_cache.string()});
         for (const auto& e : fs::directory_iterator(other_cache))
           fs::copy_file(e.path(), file, fs::copy_options::overwrite_existing);
       }},
  };
  int wrote = count("wrote");
  for (const Damage& d : damages) {
    d.apply();
    if (std::string(d.what) == "other model") wrote = count("wrote");  // its own write
    expect_same(logits(cache_.string()), want);
    EXPECT_EQ(count("wrote"), wrote + 1) << d.what << ": not rewritten";
    wrote = count("wrote");
    EXPECT_EQ(stamp(file).size, good.size) << d.what;
    const int used = count("using");
    expect_same(logits(cache_.string()), want);
    EXPECT_EQ(count("using"), used + 1) << d.what << ": the rewritten cache is not used";
  }
}

TEST_P(RepackCacheTest, UnwritableDirectoryLoadsWithoutCache) {
  size_t repacked = 0;
  const auto want = logits("", &repacked);
  if (repacked == 0) GTEST_SKIP() << "the active kernels repack nothing of " << GetParam();
  // A regular file where the directory should be (fails even as root) and a directory whose
  // parent does not exist.
  const fs::path not_a_dir = dir_ / "plain-file";
  std::ofstream(not_a_dir) << "x";
  expect_same(logits(not_a_dir.string()), want);
  expect_same(logits((dir_ / "no" / "such" / "dir").string()), want);
  EXPECT_EQ(count("cannot use"), 1);    // the plain file
  EXPECT_EQ(count("cannot write"), 1);  // the missing parent
  EXPECT_EQ(count("wrote"), 0);
  EXPECT_FALSE(fs::exists(dir_ / "no"));
  if (::geteuid() != 0) {  // permissions do not stop root
    fs::create_directories(cache_);
    ::chmod(cache_.c_str(), 0555);
    expect_same(logits(cache_.string()), want);
    EXPECT_EQ(count("cannot write"), 2);
    EXPECT_TRUE(fs::is_empty(cache_));
  }
}

// A cache directory that others can write in is never read or written: anyone could plant a
// cache file there (weights the load would trust) or a link where the temporary file goes. A
// directory the cache makes is private (0700), and so is the file.
TEST_P(RepackCacheTest, DirectoryOthersCanWriteIsNotUsed) {
  size_t repacked = 0;
  const auto want = logits("", &repacked);
  if (repacked == 0) GTEST_SKIP() << "the active kernels repack nothing of " << GetParam();
  expect_same(logits(cache_.string()), want);  // makes the directory and the file
  struct stat st {};
  ASSERT_EQ(::stat(cache_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  const fs::path file = cache_file();
  ASSERT_FALSE(file.empty());
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const Stamp before = stamp(file);
  for (mode_t mode : {0777, 0775, 0757}) {
    ::chmod(cache_.c_str(), mode);
    const int used = count("using"), refused = count("cannot use");
    expect_same(logits(cache_.string()), want);
    EXPECT_EQ(count("using"), used) << std::oct << mode << ": a planted file would be used";
    EXPECT_EQ(count("cannot use"), refused + 1) << std::oct << mode;
    EXPECT_TRUE(stamp(file) == before) << std::oct << mode << ": written in a shared directory";
  }
  ::chmod(cache_.c_str(), 0700);
  const int used = count("using");
  expect_same(logits(cache_.string()), want);
  EXPECT_EQ(count("using"), used + 1) << "private again: used";
}

TEST_P(RepackCacheTest, CApiParamAndOldStructSize) {
  size_t repacked = 0;
  logits("", &repacked);
  if (repacked == 0) GTEST_SKIP() << "the active kernels repack nothing of " << GetParam();
  hearth_model_params p;
  ASSERT_EQ(hearth_model_params_init(&p, sizeof p), HEARTH_OK);
  EXPECT_EQ(p.repack_cache, nullptr);
  p.repack_cache = cache_.c_str();
  hearth_model* m = nullptr;
  ASSERT_EQ(hearth_model_load(model_.c_str(), &p, &m), HEARTH_OK) << hearth_last_error();
  hearth_model_free(m);
  EXPECT_FALSE(cache_file().empty());
  // A caller built before the field: its struct ends before it, so no cache is used or
  // written (the bytes after its struct are garbage here).
  fs::remove_all(cache_);
  p.struct_size = offsetof(hearth_model_params, repack_cache);
  ASSERT_EQ(hearth_model_load(model_.c_str(), &p, &m), HEARTH_OK) << hearth_last_error();
  hearth_model_free(m);
  EXPECT_FALSE(fs::exists(cache_));
}

// Q8_0 and Q4_0 (repacked by the x86 and Arm kernels), llama and qwen2 (tied embeddings: one
// copy shared by two views).
INSTANTIATE_TEST_SUITE_P(Models, RepackCacheTest,
                         ::testing::Values("llama-d256-q8_0.gguf", "llama-d256-q4_0.gguf",
                                           "qwen2-d128-q8_0.gguf"));

}  // namespace
}  // namespace hearth

// src/platform/: UTF-8 paths reach the OS intact (on Windows they must be converted to UTF-16,
// so a narrow fopen/CreateFileA would fail on these names), a rename replaces an existing file
// (Windows' rename() refuses to), and code-point lowercasing follows Unicode's simple mappings.
// The files are made through std::filesystem / std::ofstream, whose path handling is
// libstdc++'s own, not hearth's.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "hearth.h"
#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "platform/file_mapping.hpp"
#include "platform/files.hpp"
#include "platform/per_thread.hpp"
#include "platform/text_case.hpp"
#include "test_data.hpp"

namespace fs = std::filesystem;

namespace {

// A fresh folder whose name needs more than any 8-bit code page: Latin, Greek and CJK letters.
class PlatformFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string name = "hearth-\xC3\xBC-\xCE\xA9-\xE6\x97\xA5\xE6\x9C\xAC-" +
                             std::to_string(hearth::platform::process_id()) + "-" +
                             ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = fs::temp_directory_path() / fs::u8path(name);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The UTF-8 spelling of dir_/leaf, as an application would pass it to hearth.
  std::string utf8(const std::string& leaf) const { return (dir_ / fs::u8path(leaf)).u8string(); }

  void write(const std::string& leaf, const std::string& bytes) const {
    std::ofstream out(dir_ / fs::u8path(leaf), std::ios::binary);
    out << bytes;
    ASSERT_TRUE(out.good());
  }

  std::string read(const std::string& leaf) const {
    std::ifstream in(dir_ / fs::u8path(leaf), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  fs::path dir_;
};

TEST_F(PlatformFiles, OpenAndMapUtf8Paths) {
  const std::string bytes = "hearth\0bytes\xFF", leaf = "d\xC3\xA9j\xC3\xA0-\xF0\x9F\x94\xA5.bin";
  write(leaf, bytes);

  std::FILE* f = hearth::platform::open_file(utf8(leaf), "rb");
  ASSERT_NE(f, nullptr) << "open_file(" << utf8(leaf) << ")";
  std::string got(64, '\0');
  got.resize(std::fread(&got[0], 1, got.size(), f));
  std::fclose(f);
  EXPECT_EQ(got, bytes);

  const hearth::platform::FileMapping m = hearth::platform::map_file(utf8(leaf));
  ASSERT_EQ(m.size, bytes.size());
  EXPECT_EQ(std::string(static_cast<const char*>(m.address), m.size), bytes);
  hearth::platform::unmap_file(m);

  EXPECT_EQ(hearth::platform::open_file(utf8("missing"), "rb"), nullptr);
  EXPECT_THROW(hearth::platform::map_file(utf8("missing")), hearth::Error);
}

TEST_F(PlatformFiles, ReplaceFileOverwritesTheTarget) {
  write("target", "old contents");
  write("target.tmp", "new contents");
  ASSERT_TRUE(hearth::platform::replace_file(utf8("target.tmp"), utf8("target")));
  EXPECT_EQ(read("target"), "new contents");
  EXPECT_FALSE(fs::exists(dir_ / "target.tmp"));
  EXPECT_FALSE(hearth::platform::replace_file(utf8("target.tmp"), utf8("target")));
}

// The whole loading path, C++ and C ABI, on a model in a folder with a non-ASCII name.
TEST_F(PlatformFiles, ModelLoadsFromUtf8Path) {
  const std::string src = hearth::test::data_path("models/real/stories260K.gguf");
  HEARTH_REQUIRE_DATA(src);
  const std::string path = utf8(
      "m\xC3\xB6"
      "del.gguf");  // "mödel.gguf"
  fs::copy_file(fs::u8path(src), fs::u8path(path));
  // The shared data is read-only, and so is the copy: Windows would then refuse to delete it.
  fs::permissions(fs::u8path(path), fs::perms::owner_write, fs::perm_options::add);

  const auto original = hearth::GgufFile::open(src);
  const auto copy = hearth::GgufFile::open(path);
  EXPECT_EQ(copy->file_size(), original->file_size());
  EXPECT_EQ(copy->tensors().size(), original->tensors().size());

  hearth_model* model = nullptr;
  ASSERT_EQ(hearth_model_load(path.c_str(), nullptr, &model), HEARTH_OK) << hearth_last_error();
  int32_t n_vocab = 0;
  EXPECT_EQ(hearth_model_vocab_size(model, &n_vocab), HEARTH_OK);
  EXPECT_EQ(n_vocab, 512);  // stories260K's vocabulary (llama2.c's tok512)
  hearth_model_free(model);
}

// The library's whole-file reads (platform::read_file: session files, safety rule files, the
// knowledge base's documents) take UTF-8 paths too.
TEST_F(PlatformFiles, WholeFileReadsTakeUtf8Paths) {
  const std::string leaf = "r\xC3\xA8gles-\xE8\xA6\x8F\xE5\x89\x87.rules";  // "règles-規則"
  write(leaf, "strict weapons term forbidden phrase\n");
  std::string got;
  ASSERT_TRUE(hearth::platform::read_file(utf8(leaf), &got)) << utf8(leaf);
  EXPECT_EQ(got, "strict weapons term forbidden phrase\n");
  EXPECT_FALSE(hearth::platform::read_file(utf8("missing"), &got));

  hearth_filter_params fp;
  HEARTH_FILTER_PARAMS_INIT(&fp);
  const std::string rules = utf8(leaf);
  fp.rules_path = rules.c_str();
  fp.level = HEARTH_SAFETY_STRICT;
  hearth_filter* filter = nullptr;
  ASSERT_EQ(hearth_filter_create(&fp, &filter), HEARTH_OK) << hearth_last_error();
  hearth_filter_free(filter);
}

TEST_F(PlatformFiles, SessionSavesAndLoadsAtUtf8Path) {
  const std::string src = hearth::test::data_path("models/real/stories260K.gguf");
  HEARTH_REQUIRE_DATA(src);
  hearth_model* model = nullptr;
  ASSERT_EQ(hearth_model_load(src.c_str(), nullptr, &model), HEARTH_OK) << hearth_last_error();
  hearth_session* a = nullptr;
  hearth_session* b = nullptr;
  ASSERT_EQ(hearth_session_new(model, nullptr, &a), HEARTH_OK) << hearth_last_error();
  ASSERT_EQ(hearth_session_new(model, nullptr, &b), HEARTH_OK) << hearth_last_error();
  ASSERT_EQ(hearth_session_add_message(a, "user", "Once upon a time"), HEARTH_OK);
  const std::string path = utf8(
      "s\xC3\xA9"
      "ance-\xE4\xBC\x9A\xE8\xA9\xB1.session");
  ASSERT_EQ(hearth_session_save(a, path.c_str()), HEARTH_OK) << hearth_last_error();
  EXPECT_TRUE(fs::exists(fs::u8path(path)));
  EXPECT_EQ(hearth_session_load(b, path.c_str()), HEARTH_OK) << hearth_last_error();
  EXPECT_EQ(hearth_session_load(b, utf8("missing.session").c_str()), HEARTH_ERR_IO);
  hearth_session_free(b);
  hearth_session_free(a);
  hearth_model_free(model);
}

// Each thread gets its own object, destroyed when the thread ends (the MinGW build would crash
// or leak here with thread_local objects that have destructors: platform/per_thread.hpp).
struct Tracked {
  static inline std::atomic<int> alive{0};
  std::vector<int> data = std::vector<int>(1000, 7);
  Tracked() { ++alive; }
  ~Tracked() { --alive; }
};

TEST(PlatformPerThread, OneObjectPerThreadDestroyedAtThreadExit) {
  struct Tag {};
  Tracked* main_object = &hearth::platform::per_thread<Tracked, Tag>();
  const int before = Tracked::alive;
  for (int round = 0; round < 20; ++round) {
    Tracked* seen[2] = {};
    std::thread a([&] { seen[0] = &hearth::platform::per_thread<Tracked, Tag>(); });
    std::thread b([&] { seen[1] = &hearth::platform::per_thread<Tracked, Tag>(); });
    a.join();
    b.join();
    EXPECT_NE(seen[0], main_object);
    EXPECT_EQ(Tracked::alive, before) << "round " << round;
  }
  EXPECT_EQ((&hearth::platform::per_thread<Tracked, Tag>()), main_object);
  EXPECT_EQ(main_object->data[999], 7);
}

// Unicode's simple lowercase mappings (UnicodeData.txt), including one beyond U+FFFF (which a
// 16-bit towlower cannot see) and characters without a lowercase form.
TEST(PlatformTextCase, SimpleLowercaseMappings) {
  using hearth::platform::to_lower;
  EXPECT_EQ(to_lower('A'), uint32_t{'a'});
  EXPECT_EQ(to_lower(0xC4), 0xE4u);        // Ä -> ä
  EXPECT_EQ(to_lower(0x3A9), 0x3C9u);      // Ω -> ω
  EXPECT_EQ(to_lower(0x416), 0x436u);      // Ж -> ж
  EXPECT_EQ(to_lower(0x10400), 0x10428u);  // DESERET CAPITAL LONG I -> small
  EXPECT_EQ(to_lower(0xE4), 0xE4u);
  EXPECT_EQ(to_lower(0x65E5), 0x65E5u);  // 日: no case
  EXPECT_EQ(to_lower('1'), uint32_t{'1'});
}

}  // namespace

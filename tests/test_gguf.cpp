// GGUF reader/writer: every shared file opens and agrees with an independent parse; writer
// round trips; 1,000 mutated or truncated copies each give an error or a valid load.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>

#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "test_data.hpp"

namespace fs = std::filesystem;
using namespace hearth;

namespace {

std::vector<std::string> shared_ggufs() {
  std::vector<std::string> out;
  for (const char* sub : {"models/real", "models/synth", "testdata/tokenizer"}) {
    const fs::path dir = test::data_path(sub);
    if (!fs::exists(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".gguf") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<uint8_t> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

template <typename T>
T at(const std::vector<uint8_t>& b, size_t off) {
  T v;
  std::memcpy(&v, b.data() + off, sizeof(T));
  return v;
}

}  // namespace

TEST(Gguf, OpensEverySharedFileAndMatchesHeader) {
  HEARTH_REQUIRE_DATA(test::data_path("models"));
  const auto files = shared_ggufs();
  ASSERT_GE(files.size(), 20u);
  for (const auto& path : files) {
    SCOPED_TRACE(path);
    auto f = GgufFile::open(path);
    const auto bytes = read_all(path);
    // Independent read of the fixed header.
    EXPECT_EQ(f->version(), at<uint32_t>(bytes, 4));
    EXPECT_EQ(f->tensors().size(), at<uint64_t>(bytes, 8));
    EXPECT_EQ(f->metadata().size(), at<uint64_t>(bytes, 16));
    // The first key as raw bytes.
    const auto key_len = at<uint64_t>(bytes, 24);
    EXPECT_EQ(f->metadata()[0].first,
              std::string(reinterpret_cast<const char*>(&bytes[32]), key_len));
    EXPECT_TRUE(f->get_string("general.architecture").has_value());
    for (const auto& t : f->tensors()) {
      EXPECT_GE(t.data, reinterpret_cast<const uint8_t*>(0) + 0);
      EXPECT_LE(f->data_offset() + t.offset + t.n_bytes, f->file_size());
    }
  }
}

TEST(Gguf, KnownModelContents) {
  const auto path = test::data_path("models/real/stories260K.gguf");
  HEARTH_REQUIRE_DATA(path);
  auto f = GgufFile::open(path);
  EXPECT_EQ(f->get_string("general.architecture"), "llama");
  EXPECT_EQ(f->get_int("llama.embedding_length"), 64);
  EXPECT_EQ(f->get_int("llama.block_count"), 5);
  EXPECT_EQ(f->get_int("llama.attention.head_count"), 8);
  EXPECT_EQ(f->get_int("llama.attention.head_count_kv"), 4);
  ASSERT_NE(f->get_string_array("tokenizer.ggml.tokens"), nullptr);
  EXPECT_EQ(f->get_string_array("tokenizer.ggml.tokens")->size(), 512u);
  const auto* emb = f->find_tensor("token_embd.weight");
  ASSERT_NE(emb, nullptr);
  EXPECT_EQ(emb->type, DType::F32);
  EXPECT_EQ(emb->dims, (std::vector<uint64_t>{64, 512}));
  EXPECT_EQ(emb->n_bytes, 64u * 512u * 4u);
}

TEST(Gguf, WriterRoundTripsEverySharedFile) {
  HEARTH_REQUIRE_DATA(test::data_path("models"));
  for (const auto& path : shared_ggufs()) {
    SCOPED_TRACE(path);
    auto f = GgufFile::open(path);
    GgufWriter w(f->alignment());
    w.copy_metadata(*f);
    for (const auto& t : f->tensors()) w.add_tensor_ref(t.name, t.type, t.dims, t.data, t.n_bytes);
    const auto bytes = w.to_bytes();
    auto g = GgufFile::parse(bytes.data(), bytes.size());
    ASSERT_EQ(g->metadata().size(), f->metadata().size());
    for (size_t k = 0; k < f->metadata().size(); ++k) {
      EXPECT_EQ(g->metadata()[k].first, f->metadata()[k].first);
      EXPECT_EQ(g->metadata()[k].second.to_display_string(1000000),
                f->metadata()[k].second.to_display_string(1000000));
    }
    ASSERT_EQ(g->tensors().size(), f->tensors().size());
    for (size_t k = 0; k < f->tensors().size(); ++k) {
      const auto &a = f->tensors()[k], &b = g->tensors()[k];
      EXPECT_EQ(a.name, b.name);
      EXPECT_EQ(a.dims, b.dims);
      EXPECT_EQ(a.type, b.type);
      ASSERT_EQ(a.n_bytes, b.n_bytes);
      EXPECT_EQ(0, std::memcmp(a.data, b.data, a.n_bytes));
    }
  }
}

TEST(Gguf, StringArraysKeepEveryElementExactly) {
  const std::vector<std::string> values = {
      "", "a", std::string("n\0l", 3), "", "long " + std::string(300, 'x'), "\xC4\xA0t"};
  GgufWriter w;
  w.set_string_array("test.strings", values);
  w.set_string_array("test.empty", {});
  const auto bytes = w.to_bytes();
  const auto f = GgufFile::parse(bytes.data(), bytes.size());
  const GgufStringArray* got = f->get_string_array("test.strings");
  ASSERT_NE(got, nullptr);
  ASSERT_EQ(got->size(), values.size());
  EXPECT_EQ(got->total_bytes(), 3 + 1 + 305 + 3u);
  std::vector<std::string> back;
  for (std::string_view s : *got) back.emplace_back(s);
  EXPECT_EQ(back, values);
  for (size_t k = 0; k < values.size(); ++k) EXPECT_EQ((*got)[k], values[k]) << k;
  EXPECT_EQ(*got, GgufStringArray(values));
  EXPECT_NE(*got, GgufStringArray({"", "a"}));
  EXPECT_NE(GgufStringArray({"ab", ""}), GgufStringArray({"a", "b"}));  // same bytes, other split
  ASSERT_NE(f->get_string_array("test.empty"), nullptr);
  EXPECT_TRUE(f->get_string_array("test.empty")->empty());
  // Cut inside an element: rejected with the offset of that element's length.
  const std::string marker = "long ";
  const auto at = std::search(bytes.begin(), bytes.end(), marker.begin(), marker.end());
  ASSERT_NE(at, bytes.end());
  const std::vector<uint8_t> cut(bytes.begin(), at + 200);
  try {
    GgufFile::parse(cut.data(), cut.size());
    ADD_FAILURE() << "a cut string array was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("array string has length 305"), std::string::npos)
        << e.what();
  }
}

TEST(Gguf, RejectsHostileHeaders) {
  GgufWriter w;
  w.set_string("general.architecture", "llama");
  w.add_tensor("t", DType::F32, {4}, std::vector<uint8_t>(16, 0));
  const auto good = w.to_bytes();
  ASSERT_NO_THROW(GgufFile::parse(good.data(), good.size()));

  auto expect_invalid = [](std::vector<uint8_t> b, const char* needle) {
    try {
      GgufFile::parse(b.data(), b.size());
      ADD_FAILURE() << "accepted: " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  auto b = good;
  b[0] = 'X';
  expect_invalid(b, "magic");
  b = good;
  uint64_t huge = ~uint64_t{0};
  std::memcpy(&b[16], &huge, 8);  // kv count
  expect_invalid(b, "metadata count");
  b = good;
  std::memcpy(&b[24], &huge, 8);  // first key length
  expect_invalid(b, "length");
  expect_invalid(std::vector<uint8_t>(good.begin(), good.begin() + good.size() - 17),
                 "past the end");
  expect_invalid(std::vector<uint8_t>(good.begin(), good.begin() + 10), "truncated");
}

TEST(Gguf, MutatedAndTruncatedCopiesNeverCrash) {
  HEARTH_REQUIRE_DATA(test::data_path("models"));
  const auto files = shared_ggufs();
  std::mt19937_64 rng(1234);
  // Files up to 6 MB (most of the shared ones): the big synthetic models would only add copying
  // time, not new header shapes.
  std::vector<std::vector<uint8_t>> originals;
  for (const auto& path : files)
    if (fs::file_size(path) <= (6u << 20)) originals.push_back(read_all(path));
  ASSERT_GE(originals.size(), 10u);
  int rejected = 0, accepted = 0;
  for (int iter = 0; iter < 1000; ++iter) {
    auto bytes = originals[iter % originals.size()];
    // Mutations concentrate on the header, where the counts and offsets are.
    const size_t header = std::min<size_t>(bytes.size(), 4096 + (rng() % 65536));
    switch (iter % 4) {
      case 0:  // truncate
        bytes.resize(rng() % bytes.size());
        break;
      case 1:  // flip random bytes
        for (int k = 0; k < 1 + static_cast<int>(rng() % 8); ++k)
          bytes[rng() % header] ^= 1u << (rng() % 8);
        break;
      case 2: {  // overwrite 8 bytes with an extreme value
        const uint64_t vals[] = {0, ~uint64_t{0}, uint64_t{1} << 63, 0xffffffffu, 1u << 31};
        const size_t off = rng() % (header - 8);
        std::memcpy(&bytes[off], &vals[rng() % 5], 8);
        break;
      }
      default:  // splice: duplicate a chunk
        bytes.insert(bytes.begin() + rng() % header, bytes.begin(), bytes.begin() + rng() % 64);
        break;
    }
    try {
      auto f = GgufFile::parse(bytes.data(), bytes.size());
      // Valid loads must be internally consistent: every tensor inside the buffer.
      for (const auto& t : f->tensors()) {
        ASSERT_GE(t.data, bytes.data());
        ASSERT_LE(t.data + t.n_bytes, bytes.data() + bytes.size());
      }
      ++accepted;
    } catch (const Error& e) {
      EXPECT_TRUE(e.status() == Status::kInvalidModel || e.status() == Status::kUnsupported);
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 300);
  RecordProperty("accepted", accepted);
}

TEST(Gguf, WriteToFileStreamsAndCancelsCleanly) {
  GgufWriter w(64);
  w.set_string("general.architecture", "llama");
  w.set_i32_array("a", {1, -2, 3});
  std::vector<uint8_t> data(3 * 4 * 4);
  for (size_t k = 0; k < data.size(); ++k) data[k] = static_cast<uint8_t>(k);
  w.add_tensor("x", DType::F32, {4, 3}, data);
  w.add_tensor("y", DType::F32, {2}, std::vector<uint8_t>(8, 7));
  const fs::path path = fs::temp_directory_path() / "hearth_writer_test.gguf";
  fs::remove(path);
  w.write(path.string());
  auto f = GgufFile::open(path.string());
  EXPECT_EQ(f->alignment(), 64u);
  EXPECT_EQ(f->data_offset() % 64, 0u);
  ASSERT_EQ(f->tensors().size(), 2u);
  EXPECT_EQ(0, std::memcmp(f->tensors()[0].data, data.data(), data.size()));
  EXPECT_EQ(f->tensors()[1].offset, 64u);
  EXPECT_EQ(f->find("a")->ints, (std::vector<int64_t>{1, -2, 3}));
  EXPECT_EQ(read_all(path.string()), w.to_bytes());
  f.reset();
  fs::remove(path);
  // Cancelling after the first tensor leaves neither the output nor a partial file behind.
  try {
    w.write(path.string(), [](uint64_t, uint64_t) { return false; });
    ADD_FAILURE() << "cancel ignored";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kCancelled);
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path.string() + ".partial"));
  // Bad tensor sizes are rejected when added.
  EXPECT_THROW(w.add_tensor("z", DType::Q8_0, {33}, std::vector<uint8_t>(34)), Error);
  EXPECT_THROW(w.add_tensor("x", DType::F32, {1}, std::vector<uint8_t>(4)), Error);
}

// The safetensors reader's validation, the rotary row permutation, and sharded checkpoints.
#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "convert/model_plan.hpp"
#include "convert/safetensors.hpp"
#include "convert_test_util.hpp"
#include "hearth/convert.hpp"
#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "test_data.hpp"

namespace hearth {
namespace {

using convert::SafetensorsFile;
using nlohmann::json;

std::string f32_bytes(std::vector<float> v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4);
}

// A file with a hand-written header (no re-serialization) and `data_len` data bytes.
std::string raw_file(const std::string& header, size_t data_len) {
  std::string out(8, '\0');
  const uint64_t n = header.size();
  std::memcpy(&out[0], &n, 8);
  return out + header + std::string(data_len, '\x01');
}

void expect_invalid(const test::TempDir& tmp, const std::string& bytes, const std::string& needle) {
  test::write_file(tmp / "x.safetensors", bytes);
  try {
    SafetensorsFile::open(tmp / "x.safetensors");
    ADD_FAILURE() << "accepted; expected " << needle;
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kInvalidModel) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(ConvertSafetensors, ReadsF32F16Bf16) {
  test::TempDir tmp;
  // 1.5 and -2 in F16 (0x3E00, 0xC000) and BF16 (0x3FC0, 0xC000).
  const std::string f16("\x00\x3E\x00\xC0", 4), bf16("\xC0\x3F\x00\xC0", 4);
  test::write_file(tmp / "a.safetensors",
                   test::safetensors_bytes({{"a", "F32", {2}, f32_bytes({1.5f, -2.f})},
                                            {"b", "F16", {2}, f16},
                                            {"c", "BF16", {1, 2}, bf16}}));
  auto f = SafetensorsFile::open(tmp / "a.safetensors");
  ASSERT_EQ(f->tensors().size(), 3u);
  for (const char* name : {"a", "b", "c"}) {
    const auto* t = f->find(name);
    ASSERT_NE(t, nullptr);
    float out[2];
    convert::tensor_to_f32(*t, out);
    EXPECT_EQ(out[0], 1.5f) << name;
    EXPECT_EQ(out[1], -2.f) << name;
  }
  EXPECT_EQ(f->find("c")->shape, (std::vector<uint64_t>{1, 2}));
}

TEST(ConvertSafetensors, RejectsMalformedHeaders) {
  test::TempDir tmp;
  expect_invalid(tmp, std::string("\x10\x00\x00", 3), "too short");
  expect_invalid(tmp, std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8) + "{}", "header length");
  expect_invalid(tmp, raw_file("{\"a\": ", 0), "not valid JSON");
  expect_invalid(tmp, raw_file("[1, 2]", 0), "not a JSON object");
  expect_invalid(tmp, raw_file(R"({"a": {"dtype": "F32", "shape": [2]}})", 8), "data_offsets");
  expect_invalid(tmp,
                 raw_file(R"({"a": {"dtype": "Q9", "shape": [2], "data_offsets": [0, 8]}})", 8),
                 "unknown dtype");
  expect_invalid(tmp,
                 raw_file(R"({"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}})", 8),
                 "non-integer dimension");
  // Offsets beyond the data, reversed, or not matching dtype x shape.
  expect_invalid(tmp,
                 raw_file(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", 7),
                 "outside");
  expect_invalid(tmp,
                 raw_file(R"({"a": {"dtype": "F32", "shape": [0], "data_offsets": [8, 0]}})", 8),
                 "outside");
  expect_invalid(tmp,
                 raw_file(R"({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", 8),
                 "need 12 bytes");
  expect_invalid(tmp,
                 raw_file(R"({"a": {"dtype": "F32", "shape": [4294967296, 4294967296, 4096],)"
                          R"( "data_offsets": [0, 8]}})",
                          8),
                 "overflowing shape");
  // Two tensors sharing bytes.
  expect_invalid(tmp,
                 raw_file(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},)"
                          R"( "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                          12),
                 "overlap");
}

TEST(ConvertSafetensors, MissingFileIsAnIoError) {
  try {
    SafetensorsFile::open("/nonexistent/model.safetensors");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kIoError);
  }
}

// Rows of one head of 4 (pairs as halves: x0 x1 | y0 y1) become interleaved (x0 y0 x1 y1),
// the layout llama.cpp's permute() produces; per head, for 2 heads.
TEST(ConvertPermute, HalvesBecomeInterleavedPairsPerHead) {
  // 8 rows of 1 column: head 0 = rows 0..3, head 1 = rows 4..7.
  const float in[8] = {0, 1, 2, 3, 10, 11, 12, 13};
  float out[8];
  convert::permute_rotary_rows(in, out, 8, 1, 2);
  const float want[8] = {0, 2, 1, 3, 10, 12, 11, 13};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(out[i], want[i]) << i;
  // Whole rows move together.
  const float in2[8] = {0, 0.5f, 1, 1.5f, 2, 2.5f, 3, 3.5f};  // 4 rows x 2 cols, 1 head
  float out2[8];
  convert::permute_rotary_rows(in2, out2, 4, 2, 1);
  const float want2[8] = {0, 0.5f, 2, 2.5f, 1, 1.5f, 3, 3.5f};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(out2[i], want2[i]) << i;
  EXPECT_THROW(convert::permute_rotary_rows(in, out, 6, 1, 4), Error);
}

std::string fmt_name(int shard) {
  return "model-0000" + std::to_string(shard + 1) + "-of-00002.safetensors";
}

// The real checkpoint split into two shards with an index converts to the same file.
TEST(ConvertShards, ShardedCheckpointEqualsSingleFile) {
  const std::string src = test::data_path("models/real/TinyStories-656K-hf");
  HEARTH_REQUIRE_DATA(src);
  test::TempDir tmp;
  const std::string dir = tmp / "sharded";
  test::copy_dir(src, dir);
  std::filesystem::remove(dir + "/model.safetensors");
  auto whole = SafetensorsFile::open(src + "/model.safetensors");
  std::vector<test::StEntry> shard[2];
  json map = json::object();
  int i = 0;
  for (const auto& [name, t] : whole->tensors()) {
    const int s = i++ % 2;
    shard[s].push_back(
        {name, t.dtype, t.shape, std::string(reinterpret_cast<const char*>(t.data), t.n_bytes)});
    map[name] = fmt_name(s);
  }
  for (int s = 0; s < 2; ++s)
    test::write_file(dir + "/" + fmt_name(s), test::safetensors_bytes(shard[s]));
  test::write_file(dir + "/model.safetensors.index.json",
                   json{{"metadata", json::object()}, {"weight_map", map}}.dump());
  for (const std::string& in : {src, dir}) {
    ConvertOptions o;
    o.input = in;
    o.output = tmp / (in == src ? "a.gguf" : "b.gguf");
    o.type = ConvertType::kF16;
    convert_model(o);
  }
  auto a = GgufFile::open(tmp / "a.gguf");
  auto b = GgufFile::open(tmp / "b.gguf");
  ASSERT_EQ(a->tensors().size(), b->tensors().size());
  for (const auto& t : a->tensors()) {
    const auto* u = b->find_tensor(t.name);
    ASSERT_NE(u, nullptr) << t.name;
    ASSERT_EQ(u->n_bytes, t.n_bytes);
    EXPECT_EQ(std::memcmp(u->data, t.data, t.n_bytes), 0) << t.name;
  }
}

}  // namespace
}  // namespace hearth

// hearth_model_load on every shared GGUF: the C ABI reports the architecture, tensor count and
// metadata the file holds, checked against the raw header bytes read here independently.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "hearth.h"
#include "test_data.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<uint8_t> read_head(const std::string& path, size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> out(n);
  in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(n));
  out.resize(static_cast<size_t>(in.gcount()));
  return out;
}

template <typename T>
T at(const std::vector<uint8_t>& b, size_t off) {
  T v;
  std::memcpy(&v, b.data() + off, sizeof(T));
  return v;
}

// The value of the first metadata entry when it is general.architecture (a GGUF string).
std::string raw_architecture(const std::vector<uint8_t>& b) {
  const auto key_len = at<uint64_t>(b, 24);
  if (std::string(reinterpret_cast<const char*>(&b[32]), key_len) != "general.architecture")
    return {};
  const size_t type_at = 32 + key_len;
  EXPECT_EQ(at<uint32_t>(b, type_at), 8u);  // GGUF_TYPE_STRING
  const auto len = at<uint64_t>(b, type_at + 4);
  return std::string(reinterpret_cast<const char*>(&b[type_at + 12]), len);
}

}  // namespace

TEST(CapiModel, LoadsEverySharedFileWithItsMetadata) {
  HEARTH_REQUIRE_DATA(hearth::test::data_path("models"));
  int loaded = 0;
  for (const char* sub : {"models/real", "models/synth", "testdata/tokenizer"}) {
    for (const auto& e : fs::directory_iterator(hearth::test::data_path(sub))) {
      if (e.path().extension() != ".gguf") continue;
      const std::string path = e.path().string();
      SCOPED_TRACE(path);
      const auto head = read_head(path, 4096);
      const auto n_tensors = at<uint64_t>(head, 8);
      const auto n_meta = at<uint64_t>(head, 16);
      hearth_model_params params;
      HEARTH_MODEL_PARAMS_INIT(&params);
      params.vocab_only = n_tensors == 0;  // the tokenizer test files carry no weights
      hearth_model* model = nullptr;
      ASSERT_EQ(hearth_model_load(path.c_str(), &params, &model), HEARTH_OK) << hearth_last_error();
      const char* arch = nullptr;
      ASSERT_EQ(hearth_model_architecture(model, &arch), HEARTH_OK);
      const std::string want_arch = raw_architecture(head);
      if (!want_arch.empty()) {
        EXPECT_EQ(arch, want_arch);
      }
      int64_t count = -1;
      ASSERT_EQ(hearth_model_tensor_count(model, &count), HEARTH_OK);
      EXPECT_EQ(static_cast<uint64_t>(count), n_tensors);
      ASSERT_EQ(hearth_model_meta_count(model, &count), HEARTH_OK);
      EXPECT_EQ(static_cast<uint64_t>(count), n_meta);
      // Every key is listed and readable; the buffer convention reports the needed size.
      for (int64_t i = 0; i < count; ++i) {
        const char* key = nullptr;
        ASSERT_EQ(hearth_model_meta_key(model, i, &key), HEARTH_OK);
        size_t len = 0;
        ASSERT_EQ(hearth_model_meta_string(model, key, nullptr, 0, &len),
                  HEARTH_ERR_BUFFER_TOO_SMALL)
            << key;
        std::string value(len, '\0');
        ASSERT_EQ(hearth_model_meta_string(model, key, value.data(), len + 1, &len), HEARTH_OK);
        EXPECT_EQ(value.size(), len);
      }
      // The first key is the first one in the file.
      const char* first = nullptr;
      ASSERT_EQ(hearth_model_meta_key(model, 0, &first), HEARTH_OK);
      EXPECT_EQ(std::string(first),
                std::string(reinterpret_cast<const char*>(&head[32]), at<uint64_t>(head, 24)));
      EXPECT_EQ(hearth_model_meta_key(model, count, &first), HEARTH_ERR_INVALID_ARGUMENT);
      hearth_model_free(model);
      ++loaded;
    }
  }
  EXPECT_GE(loaded, 20);
}

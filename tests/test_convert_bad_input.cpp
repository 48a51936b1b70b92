// Hostile and inconsistent converter inputs: each gives a hearth::Error with the right status
// and a message naming the problem, and no output file (nor temporary) is left behind.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>

#include "convert/safetensors.hpp"
#include "convert_test_util.hpp"
#include "hearth/convert.hpp"
#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "test_data.hpp"

namespace hearth {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* kHf = "models/real/TinyStories-656K-hf";

// A writable copy of the real HF checkpoint in a temp dir; `out` is where conversions go.
struct HfCopy {
  test::TempDir tmp;
  std::string dir = tmp / "model";
  std::string out_dir = tmp / "out";
  std::string out = out_dir + "/model.gguf";
  HfCopy() {
    test::copy_dir(test::data_path(kHf), dir);
    fs::create_directories(out_dir);
  }
  json config() const { return json::parse(test::read_file(dir + "/config.json")); }
  void set_config(const json& j) const { test::write_file(dir + "/config.json", j.dump()); }

  // Converting fails with `status` and a message containing `needle`; nothing is written.
  void expect_failure(Status status, const std::string& needle) const {
    ConvertOptions o;
    o.input = dir;
    o.output = out;
    o.type = ConvertType::kQ8_0;
    try {
      convert_model(o);
      ADD_FAILURE() << "conversion succeeded, expected: " << needle;
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), status) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    EXPECT_TRUE(fs::is_empty(out_dir)) << "output folder not empty";
  }
};

// The real safetensors entries, to rebuild modified files.
std::vector<test::StEntry> real_entries() {
  auto f = convert::SafetensorsFile::open(test::data_path(kHf) + "/model.safetensors");
  std::vector<test::StEntry> out;
  for (const auto& [name, t] : f->tensors())
    out.push_back(
        {name, t.dtype, t.shape, std::string(reinterpret_cast<const char*>(t.data), t.n_bytes)});
  return out;
}

class ConvertBadInput : public ::testing::Test {
 protected:
  void SetUp() override { HEARTH_REQUIRE_DATA(test::data_path(kHf)); }
};

TEST_F(ConvertBadInput, MissingConfig) {
  HfCopy m;
  fs::remove(m.dir + "/config.json");
  m.expect_failure(Status::kIoError, "config.json");
}

TEST_F(ConvertBadInput, MalformedConfigJson) {
  HfCopy m;
  test::write_file(m.dir + "/config.json", "{\"architectures\": [\"LlamaForCausalLM\"");
  m.expect_failure(Status::kInvalidModel, "not valid JSON");
}

TEST_F(ConvertBadInput, UnknownArchitecture) {
  HfCopy m;
  json c = m.config();
  c["architectures"] = {"GPTNeoXForCausalLM"};
  m.set_config(c);
  m.expect_failure(Status::kUnsupported, "GPTNeoXForCausalLM");
}

TEST_F(ConvertBadInput, MissingHyperparameter) {
  HfCopy m;
  json c = m.config();
  c.erase("num_hidden_layers");
  m.set_config(c);
  m.expect_failure(Status::kInvalidModel, "num_hidden_layers");
}

TEST_F(ConvertBadInput, HeadsNotDividingHiddenSize) {
  HfCopy m;
  json c = m.config();
  c["num_attention_heads"] = 6;  // 128 / 6 is not whole
  m.set_config(c);
  m.expect_failure(Status::kInvalidModel, "num_attention_heads");
}

TEST_F(ConvertBadInput, ConfigDisagreesWithTensorShapes) {
  HfCopy m;
  json c = m.config();
  c["intermediate_size"] = 512;  // the checkpoint has 384
  m.set_config(c);
  m.expect_failure(Status::kInvalidModel, "gate_proj.weight' has shape [384, 128]");
}

TEST_F(ConvertBadInput, TooFewLayersInConfigLeavesTensorsUnmapped) {
  HfCopy m;
  json c = m.config();
  c["num_hidden_layers"] = 1;
  m.set_config(c);
  m.expect_failure(Status::kUnsupported, "model.layers.1.");
}

TEST_F(ConvertBadInput, VocabSizeDisagreesWithTokenizer) {
  HfCopy m;
  json c = m.config();
  c["vocab_size"] = 4096;
  m.set_config(c);
  m.expect_failure(Status::kInvalidModel, "vocab_size is 4096");
}

// Found by fuzz_safetensors (docs/security.md): a tokenizer.json "model" without "vocab" was
// read through const operator[] (undefined behaviour, a heap over-read under ASan), and values of
// the wrong JSON type escaped as nlohmann::json::type_error instead of hearth::Error.
TEST_F(ConvertBadInput, TokenizerFieldsMissingOrOfTheWrongType) {
  auto edit_tokenizer = [](const HfCopy& m, auto edit) {
    json t = json::parse(test::read_file(m.dir + "/tokenizer.json"));
    edit(t);
    test::write_file(m.dir + "/tokenizer.json", t.dump());
  };
  {
    HfCopy m;
    edit_tokenizer(m, [](json& t) { t["model"].erase("vocab"); });
    m.expect_failure(Status::kInvalidModel, "model.vocab");
  }
  {
    HfCopy m;
    edit_tokenizer(m, [](json& t) { t["model"]["type"] = 3; });
    m.expect_failure(Status::kUnsupported, "only BPE");
  }
  {
    // Flags of another type count as absent: the conversion succeeds or fails with
    // hearth::Error on its own merits, never with a foreign exception.
    HfCopy m;
    edit_tokenizer(m, [](json& t) {
      t["model"]["byte_fallback"] = "yes";
      if (t.contains("added_tokens") && !t["added_tokens"].empty())
        t["added_tokens"][0]["special"] = 1;
    });
    ConvertOptions o;
    o.input = m.dir;
    o.output = m.out;
    try {
      convert_model(o);
    } catch (const Error&) {
    } catch (...) {
      ADD_FAILURE() << "an exception other than hearth::Error escaped convert_model";
    }
  }
}

// Also found by fuzz_safetensors: "rope_scaling" that is not an object threw type_error.
TEST_F(ConvertBadInput, RopeScalingOfTheWrongType) {
  {
    HfCopy m;
    json c = m.config();
    c["rope_scaling"] = 5;
    m.set_config(c);
    m.expect_failure(Status::kInvalidModel, "rope_scaling");
  }
  {
    HfCopy m;
    json c = m.config();
    c["rope_scaling"] = {{"type", 5}, {"factor", 2.0}};
    m.set_config(c);
    m.expect_failure(Status::kUnsupported, "rope_scaling");
  }
}

TEST_F(ConvertBadInput, MissingWeights) {
  HfCopy m;
  fs::remove(m.dir + "/model.safetensors");
  m.expect_failure(Status::kIoError, "no model.safetensors");
}

TEST_F(ConvertBadInput, MissingTokenizer) {
  HfCopy m;
  fs::remove(m.dir + "/tokenizer.json");
  m.expect_failure(Status::kIoError, "tokenizer.json");
}

TEST_F(ConvertBadInput, TensorWithWrongShape) {
  HfCopy m;
  auto entries = real_entries();
  for (auto& e : entries)
    if (e.name == "model.layers.0.self_attn.k_proj.weight") e.shape = {32, 256};  // same bytes
  test::write_file(m.dir + "/model.safetensors", test::safetensors_bytes(entries));
  m.expect_failure(Status::kInvalidModel, "k_proj.weight' has shape [32, 256]");
}

TEST_F(ConvertBadInput, MissingTensor) {
  HfCopy m;
  auto entries = real_entries();
  entries.erase(std::remove_if(entries.begin(), entries.end(),
                               [](const auto& e) { return e.name == "model.norm.weight"; }),
                entries.end());
  test::write_file(m.dir + "/model.safetensors", test::safetensors_bytes(entries));
  m.expect_failure(Status::kInvalidModel, "model.norm.weight");
}

TEST_F(ConvertBadInput, UnsupportedDtype) {
  HfCopy m;
  auto entries = real_entries();
  for (auto& e : entries)
    if (e.name == "model.norm.weight") {
      e.dtype = "I32";  // 128 x 4 bytes: a valid file, an unusable tensor
    }
  test::write_file(m.dir + "/model.safetensors", test::safetensors_bytes(entries));
  m.expect_failure(Status::kUnsupported, "I32");
}

TEST_F(ConvertBadInput, TruncatedSafetensors) {
  HfCopy m;
  const std::string bytes = test::read_file(m.dir + "/model.safetensors");
  for (size_t keep : {size_t{0}, size_t{5}, size_t{8}, size_t{100}, bytes.size() - 1}) {
    test::write_file(m.dir + "/model.safetensors", bytes.substr(0, keep));
    m.expect_failure(Status::kInvalidModel, "invalid safetensors file");
  }
}

TEST_F(ConvertBadInput, MissingShard) {
  HfCopy m;
  fs::rename(m.dir + "/model.safetensors", m.dir + "/model-00001-of-00002.safetensors");
  json index = {{"metadata", json::object()},
                {"weight_map",
                 {{"lm_head.weight", "model-00001-of-00002.safetensors"},
                  {"model.norm.weight", "model-00002-of-00002.safetensors"}}}};
  test::write_file(m.dir + "/model.safetensors.index.json", index.dump());
  m.expect_failure(Status::kIoError, "model-00002-of-00002.safetensors");
}

TEST_F(ConvertBadInput, OutputFolderMissing) {
  HfCopy m;
  ConvertOptions o;
  o.input = m.dir;
  o.output = m.tmp / "no/such/dir/out.gguf";
  EXPECT_THROW(convert_model(o), Error);
  EXPECT_FALSE(fs::exists(m.tmp / "no"));
}

TEST_F(ConvertBadInput, UnknownOutputType) {
  try {
    convert_type_from_name("q3_k_xs");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kInvalidArgument);
  }
  EXPECT_EQ(convert_type_from_name("Q8_0"), ConvertType::kQ8_0);
}

// llama2.c inputs: the header must agree with the file size, the tokenizer must be complete.
class ConvertBadLlama2c : public ::testing::Test {
 protected:
  void SetUp() override { HEARTH_REQUIRE_DATA(test::data_path("models/real/stories260K-llama2c")); }
  test::TempDir tmp;
  std::string bin =
      test::read_file(test::data_path("models/real/stories260K-llama2c/stories260K.bin"));
  std::string tok = test::read_file(test::data_path("models/real/stories260K-llama2c/tok512.bin"));
  void expect_failure(const std::string& needle) {
    test::write_file(tmp / "m.bin", bin);
    test::write_file(tmp / "t.bin", tok);
    ConvertOptions o;
    o.input = tmp / "m.bin";
    o.llama2c_tokenizer = tmp / "t.bin";
    o.output = tmp / "out.gguf";
    try {
      convert_model(o);
      ADD_FAILURE() << "conversion succeeded, expected: " << needle;
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), Status::kInvalidModel) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    EXPECT_EQ(tmp.entries().size(), 2u) << "something was written";
  }
};

TEST_F(ConvertBadLlama2c, TruncatedCheckpoint) {
  bin.resize(bin.size() - 4);
  expect_failure("the header implies");
}

TEST_F(ConvertBadLlama2c, ShortHeader) {
  bin.resize(20);
  expect_failure("7-value header");
}

TEST_F(ConvertBadLlama2c, HostileHeaderValues) {
  const int32_t huge = 0x7fffffff;
  std::memcpy(&bin[8], &huge, 4);  // n_layers
  expect_failure("implausibly large");
  int32_t zero = 0;
  std::memcpy(&bin[8], &zero, 4);
  expect_failure("header value 2 is 0");
}

TEST_F(ConvertBadLlama2c, UnsharedClassifierMissing) {
  const int32_t neg_vocab = -512;  // declares a separate classifier the file does not have
  std::memcpy(&bin[20], &neg_vocab, 4);
  expect_failure("the header implies");
}

TEST_F(ConvertBadLlama2c, TruncatedTokenizer) {
  tok.resize(tok.size() - 3);
  expect_failure("tok");
}

TEST_F(ConvertBadLlama2c, TokenLongerThanMax) {
  const int32_t len = 1000;
  std::memcpy(&tok[4 + 4], &len, 4);  // first token's length
  expect_failure("token 0 has length 1000");
}

}  // namespace
}  // namespace hearth

// Converted real checkpoints against the files llama.cpp's converters made from them:
// TinyStories-656K (HF F32 and BF16 safetensors -> Q8_0) and stories260K (llama2.c -> F32).
// Tensors must be byte-identical (names, types, shapes, data), the tokenizer metadata equal,
// and the converted files must reproduce llama.cpp's greedy continuation.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "convert_test_util.hpp"
#include "generate/generate.hpp"
#include "hearth/context.hpp"
#include "hearth/convert.hpp"
#include "hearth/gguf.hpp"
#include "hearth/quantize_model.hpp"
#include "test_data.hpp"

namespace hearth {
namespace {

using test::data_path;

// Every tensor of `ref` is in `got` with the same type, dims and bytes, and vice versa.
void expect_same_tensors(const GgufFile& got, const GgufFile& ref) {
  EXPECT_EQ(got.tensors().size(), ref.tensors().size());
  for (const auto& r : ref.tensors()) {
    const GgufTensorInfo* g = got.find_tensor(r.name);
    ASSERT_NE(g, nullptr) << r.name;
    EXPECT_EQ(dtype_name(g->type), dtype_name(r.type)) << r.name;
    EXPECT_EQ(g->dims, r.dims) << r.name;
    ASSERT_EQ(g->n_bytes, r.n_bytes) << r.name;
    EXPECT_EQ(std::memcmp(g->data, r.data, r.n_bytes), 0) << r.name << " differs";
  }
}

// The tokenizer keys llama.cpp writes, compared value for value.
void expect_same_tokenizer(const GgufFile& got, const GgufFile& ref) {
  int compared = 0;
  for (const auto& [key, rv] : ref.metadata()) {
    if (key.rfind("tokenizer.", 0) != 0) continue;
    // 0xFFFFFFFF is llama.cpp's "no such token"; an absent key means the same.
    if (rv.is_integer() && rv.u == 0xFFFFFFFFu && !got.find(key)) continue;
    const GgufValue* gv = got.find(key);
    ASSERT_NE(gv, nullptr) << key;
    EXPECT_EQ(gv->type, rv.type) << key;
    EXPECT_EQ(gv->str, rv.str) << key;
    EXPECT_EQ(gv->u, rv.u) << key;
    EXPECT_EQ(gv->strings, rv.strings) << key;
    EXPECT_EQ(gv->ints, rv.ints) << key;
    EXPECT_EQ(gv->floats, rv.floats) << key;
    ++compared;
  }
  EXPECT_GE(compared, 6);
  for (const auto& [key, gv] : got.metadata())
    if (key.rfind("tokenizer.", 0) == 0) {
      EXPECT_NE(ref.find(key), nullptr) << "extra " << key;
    }
}

void expect_same_hparams(const GgufFile& got, const GgufFile& ref) {
  for (const char* key : {"llama.block_count", "llama.embedding_length",
                          "llama.feed_forward_length", "llama.attention.head_count",
                          "llama.attention.head_count_kv", "llama.rope.dimension_count"})
    EXPECT_EQ(got.get_int(key), ref.get_int(key)) << key;
  EXPECT_EQ(got.get_float("llama.attention.layer_norm_rms_epsilon"),
            ref.get_float("llama.attention.layer_norm_rms_epsilon"));
  EXPECT_EQ(got.get_string("general.architecture"), ref.get_string("general.architecture"));
}

// Greedy continuation of the reference prompt ids, as llama.cpp produced it from the reference.
void expect_reference_greedy(const std::string& model_path, const std::string& ref_json) {
  std::ifstream in(ref_json);
  const auto ref = nlohmann::json::parse(in);
  const auto prompt = ref["prompt_ids"].get<std::vector<int32_t>>();
  const auto want = ref["greedy_tokens"].get<std::vector<int32_t>>();
  auto model = Model::load(GgufFile::open(model_path));
  ContextParams params;
  params.n_ctx = 128;
  params.n_threads = 1;
  Context ctx(model, params);
  GenerateOptions opt;
  opt.max_tokens = static_cast<int>(want.size());
  const GenerateResult r = generate(ctx, prompt.data(), prompt.size(), opt);
  EXPECT_EQ(std::vector<int32_t>(r.tokens.begin(), r.tokens.end()), want);
}

class ConvertHfReference : public ::testing::TestWithParam<const char*> {};

TEST_P(ConvertHfReference, TinyStoriesQ8_0MatchesLlamaCppFile) {
  const std::string in = data_path(std::string("models/real/") + GetParam());
  const std::string ref_path = data_path("models/real/TinyStories-656K-Q8_0.gguf");
  HEARTH_REQUIRE_DATA(in);
  HEARTH_REQUIRE_DATA(ref_path);
  test::TempDir dir;
  ConvertOptions o;
  o.input = in;
  o.output = dir / "out.gguf";
  o.type = ConvertType::kQ8_0;
  convert_model(o);
  auto got = GgufFile::open(o.output);
  auto ref = GgufFile::open(ref_path);
  expect_same_tensors(*got, *ref);
  expect_same_tokenizer(*got, *ref);
  expect_same_hparams(*got, *ref);
  EXPECT_EQ(got->get_int("llama.context_length"), ref->get_int("llama.context_length"));
  EXPECT_EQ(got->get_float("llama.rope.freq_base"), ref->get_float("llama.rope.freq_base"));
  EXPECT_EQ(got->get_int("general.file_type"), 7);
  EXPECT_EQ(got->find_tensor("output.weight"), nullptr) << "tied output must be omitted";
  expect_reference_greedy(o.output, data_path("models/reference/TinyStories-656K-Q8_0.text.json"));
}

// Quantized output in one pass equals converting to F32 and re-quantizing with `hearth quantize`
// (whose files are byte-identical to llama-quantize's): same tensor types (the mixes) and bytes.
TEST(ConvertHf, QuantizedTargetsEqualConvertThenQuantize) {
  const std::string in = data_path("models/real/TinyStories-656K-hf");
  HEARTH_REQUIRE_DATA(in);
  test::TempDir dir;
  ConvertOptions f32;
  f32.input = in;
  f32.output = dir / "f32.gguf";
  f32.type = ConvertType::kF32;
  convert_model(f32);
  for (const char* name : {"q4_0", "q4_1", "q5_0", "q5_1", "q2_k", "q3_k_s", "q3_k_m", "q3_k_l",
                           "q4_k_s", "q4_k_m", "q5_k_s", "q5_k_m", "q6_k"}) {
    SCOPED_TRACE(name);
    ConvertOptions direct;
    direct.input = in;
    direct.output = dir / (std::string(name) + "-direct.gguf");
    direct.type = convert_type_from_name(name);
    convert_model(direct);
    QuantizeOptions q;
    q.input = f32.output;
    q.output = dir / (std::string(name) + "-requantized.gguf");
    q.type = quantize_type_from_name(name);
    q.n_threads = 1;
    quantize_model(q);
    auto got = GgufFile::open(direct.output);
    auto want = GgufFile::open(q.output);
    expect_same_tensors(*got, *want);
    EXPECT_EQ(got->get_int("general.file_type"), want->get_int("general.file_type"));
    EXPECT_EQ(got->get_int("general.quantization_version"), 2);
  }
}

INSTANTIATE_TEST_SUITE_P(RealCheckpoints, ConvertHfReference,
                         ::testing::Values("TinyStories-656K-hf", "TinyStories-656K-hf-bf16"),
                         [](const auto& info) { return info.index == 0 ? "F32" : "BF16"; });

TEST(ConvertHf, F16AndBf16KeepVectorsInF32AndRoundMatrices) {
  const std::string in = data_path("models/real/TinyStories-656K-hf-bf16");
  HEARTH_REQUIRE_DATA(in);
  test::TempDir dir;
  for (ConvertType type : {ConvertType::kF16, ConvertType::kBF16, ConvertType::kF32}) {
    ConvertOptions o;
    o.input = in;
    o.output = dir / "out.gguf";
    o.type = type;
    convert_model(o);
    auto got = GgufFile::open(o.output);
    const DType want = type == ConvertType::kF16    ? DType::F16
                       : type == ConvertType::kBF16 ? DType::BF16
                                                    : DType::F32;
    for (const auto& t : got->tensors())
      EXPECT_EQ(t.type, t.dims.size() == 1 ? DType::F32 : want) << t.name;
    // BF16 input converted to BF16 (v_proj is not permuted) keeps the exact source bits:
    // compare with the safetensors payload, found by its first row.
    if (type == ConvertType::kBF16) {
      const auto* v = got->find_tensor("blk.1.attn_v.weight");
      ASSERT_NE(v, nullptr);
      const std::string st = test::read_file(in + "/model.safetensors");
      const std::string bytes(reinterpret_cast<const char*>(v->data), v->n_bytes);
      EXPECT_NE(st.find(bytes), std::string::npos);
    }
  }
}

TEST(ConvertLlama2c, Stories260KMatchesLlamaCppFile) {
  const std::string bin = data_path("models/real/stories260K-llama2c/stories260K.bin");
  const std::string tok = data_path("models/real/stories260K-llama2c/tok512.bin");
  const std::string ref_path = data_path("models/real/stories260K.gguf");
  HEARTH_REQUIRE_DATA(bin);
  HEARTH_REQUIRE_DATA(ref_path);
  test::TempDir dir;
  ConvertOptions o;
  o.input = bin;
  o.llama2c_tokenizer = tok;
  o.output = dir / "out.gguf";
  o.type = ConvertType::kF32;
  convert_model(o);
  auto got = GgufFile::open(o.output);
  auto ref = GgufFile::open(ref_path);
  expect_same_tensors(*got, *ref);
  expect_same_tokenizer(*got, *ref);
  expect_same_hparams(*got, *ref);
  // The checkpoint's own seq_len (llama.cpp's converter writes its --ctx default, 2048).
  EXPECT_EQ(got->get_int("llama.context_length"), 512);
  expect_reference_greedy(o.output, data_path("models/reference/stories260K.text.json"));
}

TEST(ConvertLlama2c, Q8_0QuantizesMatricesWithWholeBlocks) {
  const std::string bin = data_path("models/real/stories260K-llama2c/stories260K.bin");
  HEARTH_REQUIRE_DATA(bin);
  test::TempDir dir;
  ConvertOptions o;
  o.input = bin;
  o.llama2c_tokenizer = data_path("models/real/stories260K-llama2c/tok512.bin");
  o.output = dir / "out.gguf";
  o.type = ConvertType::kQ8_0;
  convert_model(o);
  auto got = GgufFile::open(o.output);
  // Rows of 64 quantize; ffn_down rows have 172 elements (not a multiple of 32): F16.
  EXPECT_EQ(got->find_tensor("blk.0.attn_q.weight")->type, DType::Q8_0);
  EXPECT_EQ(got->find_tensor("blk.0.ffn_down.weight")->type, DType::F16);
  EXPECT_EQ(got->find_tensor("blk.0.attn_norm.weight")->type, DType::F32);
}

}  // namespace
}  // namespace hearth

// Embedder (src/embed/): packing, pooling, normalisation and input errors on synthetic
// models, plus the row operations against hand-computed values. The llama.cpp comparison is
// tests/peer/embed_check.py (label peer); EmbedOffline below holds a few of its numbers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "embed/embedder.hpp"
#include "embed/encoder_ops.hpp"
#include "hearth/error.hpp"
#include "hearth/synth.hpp"
#include "test_data.hpp"

namespace fs = std::filesystem;
using namespace hearth;
using namespace hearth::embed;

namespace {

std::string synth(const std::string& preset, const std::string& vocab, const std::string& type) {
  // One file per process: ctest -j runs each test in its own process, at the same time.
  const fs::path out = fs::temp_directory_path() / ("hearth_test_embed_" + preset + type + "_" +
                                                    std::to_string(::getpid()) + ".gguf");
  SynthOptions o;
  o.preset = preset;
  o.vocab_path = test::data_path("testdata/tokenizer/" + vocab);
  o.output_path = out.string();
  o.type = type;
  synth_model(o);
  return out.string();
}

std::unique_ptr<Embedder> tiny_bert(EmbedderOptions o = {}) {
  static const std::string path = synth("tiny-bert", "ggml-vocab-bert-bge.gguf", "f16");
  o.n_threads = 2;
  return Embedder::load(path, o);
}

const std::vector<std::string> kTexts = {"Hello world, this is a test.", "a",
                                         "The quick brown fox jumps over the lazy dog."};

}  // namespace

TEST(EmbedOps, LayerNormByHand) {
  float x[4] = {1, 2, 3, 4};
  const float w[4] = {1, 2, 1, 1}, b[4] = {0, 0, 0, 1};
  layer_norm(x, 4, w, b, 0.0f);
  // mean 2.5, variance 1.25
  const float s = 1.0f / std::sqrt(1.25f);
  EXPECT_NEAR(x[0], -1.5f * s, 1e-6);
  EXPECT_NEAR(x[1], -0.5f * s * 2, 1e-6);
  EXPECT_NEAR(x[3], 1.5f * s + 1, 1e-6);
}

TEST(EmbedOps, GeluIsTheTanhApproximation) {
  float x[3] = {1.0f, -1.0f, 0.0f};
  gelu(x, 3);
  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), computed by hand for x = +-1.
  EXPECT_NEAR(x[0], 0.841192f, 1e-5);
  EXPECT_NEAR(x[1], -0.158808f, 1e-5);
  EXPECT_EQ(x[2], 0.0f);
}

TEST(EmbedOps, RopeRotatesHalves) {
  float h[4] = {1, 0, 0, 1};  // pairs (h0, h2) and (h1, h3)
  rope_neox(h, 4, 1, 10000.0f, 1.0f);
  EXPECT_NEAR(h[0], std::cos(1.0f), 1e-6);
  EXPECT_NEAR(h[2], std::sin(1.0f), 1e-6);
  const float theta = std::pow(10000.0f, -0.5f);
  EXPECT_NEAR(h[1], -std::sin(theta), 1e-6);
  EXPECT_NEAR(h[3], std::cos(theta), 1e-6);
}

TEST(Embed, PackedTextsDoNotSeeEachOther) {
  HEARTH_REQUIRE_DATA(test::data_path("testdata/tokenizer/ggml-vocab-bert-bge.gguf"));
  auto e = tiny_bert();
  const int d = e->dim();
  const std::vector<float> all = e->embed(kTexts);
  ASSERT_EQ(all.size(), kTexts.size() * d);
  for (size_t i = 0; i < kTexts.size(); ++i) {
    const std::vector<float> one = e->embed({kTexts[i]});
    // Not bit-equal: a pack of more tokens may take the tiled GEMM instead of the dot products
    // (both round differently); attention leaking across texts would move values by far more.
    for (int j = 0; j < d; ++j)
      ASSERT_NEAR(all[i * d + j], one[j], 2e-5) << "text " << i << " dim " << j;
  }
}

TEST(Embed, PoolingFromTokenRows) {
  HEARTH_REQUIRE_DATA(test::data_path("testdata/tokenizer/ggml-vocab-bert-bge.gguf"));
  EmbedderOptions raw;
  raw.normalize = Normalize::kNone;
  const auto rows = tiny_bert(raw)->embed_tokens(kTexts);
  for (Pooling p : {Pooling::kMean, Pooling::kCls, Pooling::kLast}) {
    EmbedderOptions o = raw;
    o.pooling = p;
    auto e = tiny_bert(o);
    const int d = e->dim();
    const std::vector<float> v = e->embed(kTexts);
    for (size_t i = 0; i < kTexts.size(); ++i) {
      const size_t n = rows[i].size() / d;
      ASSERT_GE(n, 3u);  // [CLS] ... [SEP]
      for (int j = 0; j < d; ++j) {
        double want = 0;
        if (p == Pooling::kMean) {
          for (size_t t = 0; t < n; ++t) want += rows[i][t * d + j];
          want /= n;
        } else {
          want = rows[i][(p == Pooling::kCls ? 0 : n - 1) * d + j];
        }
        ASSERT_NEAR(v[i * d + j], want, 1e-5) << pooling_name(p) << " text " << i;
      }
    }
  }
}

TEST(Embed, L2NormalizedByDefault) {
  HEARTH_REQUIRE_DATA(test::data_path("testdata/tokenizer/ggml-vocab-bert-bge.gguf"));
  auto e = tiny_bert();
  const int d = e->dim();
  const std::vector<float> v = e->embed(kTexts);
  for (size_t i = 0; i < kTexts.size(); ++i) {
    double s = 0;
    for (int j = 0; j < d; ++j) s += double(v[i * d + j]) * v[i * d + j];
    EXPECT_NEAR(std::sqrt(s), 1.0, 1e-5);
  }
}

TEST(Embed, LongInputIsAnErrorOrTruncated) {
  HEARTH_REQUIRE_DATA(test::data_path("testdata/tokenizer/ggml-vocab-bert-bge.gguf"));
  std::string long_text;
  for (int i = 0; i < 300; ++i) long_text += "word ";
  auto strict = tiny_bert();
  ASSERT_GT(strict->count_tokens(long_text), strict->n_ctx());
  try {
    strict->embed({long_text});
    FAIL() << "no error for a text longer than the context";
  } catch (const Error& err) {
    EXPECT_EQ(err.status(), Status::kInvalidArgument);
  }
  EmbedderOptions o;
  o.truncate = true;
  auto cut = tiny_bert(o);
  const std::vector<float> v = cut->embed({long_text});
  // The truncated text is [CLS] + n_ctx - 2 words + [SEP]: the same ids embedded directly.
  std::vector<int32_t> ids{101};
  for (int i = 0; i < cut->n_ctx() - 2; ++i) ids.push_back(2773);  // "word"
  ids.push_back(102);
  const std::vector<float> w = cut->embed_ids({ids});
  ASSERT_EQ(v.size(), w.size());
  for (size_t j = 0; j < v.size(); ++j) EXPECT_EQ(v[j], w[j]);
}

TEST(Embed, BadInputsAreErrors) {
  HEARTH_REQUIRE_DATA(test::data_path("testdata/tokenizer/ggml-vocab-bert-bge.gguf"));
  auto e = tiny_bert();
  EXPECT_THROW(e->rerank("q", {"d"}), Error);  // not a reranker
  EXPECT_THROW(e->embed_ids({{1 << 30}}), Error);
  EXPECT_THROW(Embedder::load("/nonexistent.gguf"), Error);
  EXPECT_THROW(parse_pooling("max"), Error);
  EXPECT_TRUE(e->embed({}).empty());
  const std::string llama = synth("tiny-llama", "ggml-vocab-llama-spm.gguf", "q8_0");
  try {
    Embedder::load(llama);
    FAIL() << "a llama model loaded as an embedder";
  } catch (const Error& err) {
    EXPECT_EQ(err.status(), Status::kUnsupported);
  }
}

// Offline reference: the first values of llama.cpp's raw embedding (model pooling: mean) of
// "Hello world, this is a test." on `hearth synth --preset tiny-bert --type f16` (seed 42),
// printed by `/work/shared/tools/peer-llamacpp/run.sh tiny-bert.gguf --embed --prompt ...`
// (llama.cpp v0.5.0 prebuilt CPU). The live comparison is tests/peer/embed_check.py.
TEST(EmbedOffline, TinyBertMatchesRecordedLlamaCpp) {
  HEARTH_REQUIRE_DATA(test::data_path("testdata/tokenizer/ggml-vocab-bert-bge.gguf"));
  EmbedderOptions o;
  o.normalize = Normalize::kNone;
  const std::vector<float> v = tiny_bert(o)->embed({kTexts[0]});
  const float llama_cpp[] = {-0.2516912f, -0.2561944f, -0.1532998f, -0.3574639f, -0.144452f,
                             0.1153344f,  -1.208369f,  0.7886327f,  0.6057548f,  -0.03235977f};
  for (int i = 0; i < 10; ++i) EXPECT_NEAR(v[i], llama_cpp[i], 2e-4) << i;
}

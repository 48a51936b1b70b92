// Greedy generation on the real models reproduces llama.cpp's 48 greedy tokens, with 1 and 2
// threads; the generation loop's stop conditions and sampling.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "generate/generate.hpp"
#include "sampler/utf8.hpp"
#include "hearth/context.hpp"
#include "hearth/error.hpp"
#include "test_data.hpp"

namespace hearth {
namespace {

struct GreedyCase {
  const char* model;
  const char* reference;
};

class ForwardGreedy : public ::testing::TestWithParam<GreedyCase> {};

std::vector<int32_t> json_ids(const nlohmann::json& j, const char* key) {
  return j[key].get<std::vector<int32_t>>();
}

TEST_P(ForwardGreedy, Reproduces48GreedyTokens) {
  const std::string model_path = test::data_path(std::string("models/") + GetParam().model);
  const std::string ref_path =
      test::data_path(std::string("models/reference/") + GetParam().reference);
  HEARTH_REQUIRE_DATA(model_path);
  HEARTH_REQUIRE_DATA(ref_path);
  std::ifstream in(ref_path);
  const auto ref = nlohmann::json::parse(in);
  const auto prompt = json_ids(ref, "prompt_ids");
  const auto want = json_ids(ref, "greedy_tokens");
  ASSERT_EQ(want.size(), 48u);
  auto model = Model::load(GgufFile::open(model_path));
  for (int threads : {1, 2}) {
    ContextParams params;
    params.n_ctx = 256;
    params.n_threads = threads;
    Context ctx(model, params);
    GenerateOptions opt;
    opt.max_tokens = static_cast<int>(want.size());
    std::string text;
    opt.on_token = [&](int, const std::string& t) {
      text += t;
      return true;
    };
    const GenerateResult r = generate(ctx, prompt.data(), prompt.size(), opt);
    EXPECT_EQ(std::vector<int32_t>(r.tokens.begin(), r.tokens.end()), want)
        << threads << " threads";
    EXPECT_EQ(r.stop_reason, StopReason::kMaxTokens);
    EXPECT_EQ(ctx.n_past(), static_cast<int>(prompt.size() + want.size() - 1));
    // The streamed pieces spell llama.cpp's text (the last token's text may be held back).
    const std::string want_text = ref["greedy_text"].get<std::string>();
    EXPECT_EQ(want_text.rfind(text, 0), 0u) << text;
    EXPECT_GT(text.size(), want_text.size() / 2);
  }
}

INSTANTIATE_TEST_SUITE_P(
    RealModels, ForwardGreedy,
    ::testing::Values(GreedyCase{"real/stories260K.gguf", "stories260K.text.json"},
                      GreedyCase{"real/TinyStories-656K-Q8_0.gguf",
                                 "TinyStories-656K-Q8_0.text.json"}),
    [](const auto& info) { return info.index == 0 ? "stories260K" : "TinyStories656K"; });

std::shared_ptr<const Model> stories() {
  return Model::load(GgufFile::open(test::data_path("models/real/stories260K.gguf")));
}

TEST(ForwardGenerate, StopsAtEogStopStringsAndCallback) {
  const std::string path = test::data_path("models/real/stories260K.gguf");
  HEARTH_REQUIRE_DATA(path);
  auto model = stories();
  ContextParams params;
  params.n_ctx = 64;
  params.n_threads = 1;
  const std::vector<int32_t> prompt = {1, 403, 407, 261, 378};
  {
    Context ctx(model, params);
    GenerateOptions opt;
    opt.max_tokens = 40;
    opt.stop_strings = {"Lily"};
    std::string text;
    opt.on_token = [&](int, const std::string& t) {
      text += t;
      return true;
    };
    const auto r = generate(ctx, prompt.data(), prompt.size(), opt);
    EXPECT_EQ(r.stop_reason, StopReason::kStopString);
    EXPECT_EQ(text, ", there was a little girl named ");  // "Lily" itself is not emitted
  }
  {
    Context ctx(model, params);
    GenerateOptions opt;
    opt.max_tokens = 40;
    int calls = 0;
    opt.on_token = [&](int, const std::string&) { return ++calls < 3; };
    const auto r = generate(ctx, prompt.data(), prompt.size(), opt);
    EXPECT_EQ(r.stop_reason, StopReason::kCancelled);
    EXPECT_EQ(r.tokens.size(), 3u);
  }
  {
    // Running out of context ends generation instead of failing.
    params.n_ctx = 8;
    Context ctx(model, params);
    GenerateOptions opt;
    opt.max_tokens = 40;
    const auto r = generate(ctx, prompt.data(), prompt.size(), opt);
    EXPECT_EQ(r.stop_reason, StopReason::kMaxTokens);
    EXPECT_EQ(ctx.n_past(), 8);
    EXPECT_EQ(r.tokens.size(), 4u);
  }
}

TEST(ForwardGenerate, SeededSamplingIsReproducible) {
  const std::string path = test::data_path("models/real/stories260K.gguf");
  HEARTH_REQUIRE_DATA(path);
  auto model = stories();
  const std::vector<int32_t> prompt = {1, 403, 407, 261, 378};
  auto run = [&](uint64_t seed) {
    ContextParams params;
    params.n_ctx = 64;
    params.n_threads = 1;
    Context ctx(model, params);
    GenerateOptions opt;
    opt.max_tokens = 24;
    opt.sampler.temperature = 1.0f;
    opt.sampler.seed = seed;
    return generate(ctx, prompt.data(), prompt.size(), opt).tokens;
  };
  EXPECT_EQ(run(42), run(42));
  EXPECT_NE(run(42), run(43));
}

TEST(ForwardGenerate, SamplerBasics) {
  const float logits[4] = {0.5f, 3.0f, 3.0f, -1.0f};
  EXPECT_EQ(argmax(logits, 4), 1);  // first of equal maxima, like llama.cpp's greedy
  SamplerConfig c;
  c.temperature = 0.7f;
  c.top_k = 1;
  c.seed = 7;
  Sampler s(c);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(s.sample(logits, 4), 1);  // top-1 = greedy
}

TEST(ForwardGenerate, Utf8PrefixHoldsBackPartialCharacters) {
  EXPECT_EQ(complete_utf8_prefix("abc"), 3u);
  EXPECT_EQ(complete_utf8_prefix("a\xC3"), 1u);
  EXPECT_EQ(complete_utf8_prefix("a\xC3\xA9"), 3u);
  EXPECT_EQ(complete_utf8_prefix("\xE2\x96"), 0u);
  EXPECT_EQ(complete_utf8_prefix("x\xF0\x9F\x98"), 1u);
}

}  // namespace
}  // namespace hearth

namespace hearth {
namespace {

TEST(ForwardGenerate, StopsAtTheEndOfGenerationToken) {
  const std::string path = test::data_path("models/real/stories260K.gguf");
  HEARTH_REQUIRE_DATA(path);
  // Declare token 426 (" She", 11th of the greedy continuation) the EOS token.
  auto file = GgufFile::open(path);
  GgufWriter w;
  w.copy_metadata(*file);
  w.set_u32("tokenizer.ggml.eos_token_id", 426);
  for (const auto& t : file->tensors()) w.add_tensor_ref(t.name, t.type, t.dims, t.data, t.n_bytes);
  const auto bytes = w.to_bytes();
  auto model = Model::load(GgufFile::parse(bytes.data(), bytes.size()));
  EXPECT_TRUE(model->is_eog(426));
  EXPECT_FALSE(model->is_eog(2));
  ContextParams params;
  params.n_ctx = 64;
  params.n_threads = 1;
  Context ctx(model, params);
  const std::vector<int32_t> prompt = {1, 403, 407, 261, 378};
  GenerateOptions opt;
  opt.max_tokens = 40;
  const auto r = generate(ctx, prompt.data(), prompt.size(), opt);
  EXPECT_EQ(r.stop_reason, StopReason::kEog);
  EXPECT_EQ(r.tokens, (std::vector<int>{432, 383, 286, 261, 376, 298, 315, 421, 395, 317}));
}

TEST(ForwardGenerate, ChatEndOfTurnTokensEndGeneration) {
  const std::string path = test::data_path("models/synth/qwen2-d128-q8_0.gguf");
  HEARTH_REQUIRE_DATA(path);
  auto model = Model::load(GgufFile::open(path));
  const auto* vocab = model->file().get_string_array("tokenizer.ggml.tokens");
  ASSERT_NE(vocab, nullptr);
  EXPECT_EQ((*vocab)[151645], "<|im_end|>");
  EXPECT_TRUE(model->is_eog(151645));  // not named in the metadata
  EXPECT_TRUE(model->is_eog(151643));  // eos_token_id
  EXPECT_FALSE(model->is_eog(13));
}

}  // namespace
}  // namespace hearth

// The context / decode / generate part of the C ABI: results and clear errors on bad input.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "hearth.h"
#include "test_data.hpp"

namespace {

class ForwardCApi : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path = hearth::test::data_path("models/real/stories260K.gguf");
    HEARTH_REQUIRE_DATA(path);
    ASSERT_EQ(hearth_model_load(path.c_str(), nullptr, &model_), HEARTH_OK) << hearth_last_error();
  }
  void TearDown() override { hearth_model_free(model_); }

  hearth_context* make(int32_t n_ctx, int32_t threads = 1) {
    hearth_context_params p;
    HEARTH_CONTEXT_PARAMS_INIT(&p);
    p.n_ctx = n_ctx;
    p.n_threads = threads;
    hearth_context* ctx = nullptr;
    EXPECT_EQ(hearth_context_new(model_, &p, &ctx), HEARTH_OK) << hearth_last_error();
    return ctx;
  }

  hearth_model* model_ = nullptr;
  const std::vector<hearth_token> prompt_ = {1, 403, 407, 261, 378};
};

TEST_F(ForwardCApi, DecodeLogitsAndGenerate) {
  hearth_context* ctx = make(64);
  ASSERT_NE(ctx, nullptr);
  ASSERT_EQ(hearth_decode(ctx, prompt_.data(), prompt_.size()), HEARTH_OK);
  const float* logits = nullptr;
  int32_t n_vocab = 0;
  ASSERT_EQ(hearth_logits(ctx, &logits, &n_vocab), HEARTH_OK);
  ASSERT_EQ(n_vocab, 512);
  int best = 0;
  for (int i = 1; i < n_vocab; ++i)
    if (logits[i] > logits[best]) best = i;
  EXPECT_EQ(best, 432);  // llama.cpp's first greedy token
  EXPECT_NEAR(logits[432], 17.797939f, 0.01f);
  int32_t n_past = 0;
  EXPECT_EQ(hearth_context_n_past(ctx, &n_past), HEARTH_OK);
  EXPECT_EQ(n_past, 5);

  // Generate on an emptied context: the same continuation as llama.cpp, streamed.
  ASSERT_EQ(hearth_context_truncate(ctx, 0), HEARTH_OK);
  hearth_generate_params gp;
  HEARTH_GENERATE_PARAMS_INIT(&gp);
  gp.max_tokens = 8;
  struct Seen {
    std::vector<hearth_token> tokens;
    std::string text;
  } seen;
  gp.user_data = &seen;
  gp.on_token = [](const hearth_generation_event* ev, void* user) {
    auto* s = static_cast<Seen*>(user);
    s->tokens.push_back(ev->token);
    s->text.append(ev->text, ev->text_len);
    return 0;
  };
  hearth_generation_result r;
  std::memset(&r, 0, sizeof r);
  r.struct_size = sizeof r;
  ASSERT_EQ(hearth_generate(ctx, prompt_.data(), prompt_.size(), &gp, &r), HEARTH_OK)
      << hearth_last_error();
  EXPECT_EQ(seen.tokens, (std::vector<hearth_token>{432, 383, 286, 261, 376, 298, 315, 421}));
  EXPECT_EQ(r.n_generated, 8);
  EXPECT_EQ(r.n_prompt_tokens, 5);
  EXPECT_EQ(r.stop_reason, 1);
  EXPECT_EQ(seen.text.rfind(", there was a little", 0), 0u) << seen.text;

  // A callback returning non-zero cancels.
  ASSERT_EQ(hearth_context_truncate(ctx, 0), HEARTH_OK);
  gp.on_token = [](const hearth_generation_event*, void*) { return 1; };
  EXPECT_EQ(hearth_generate(ctx, prompt_.data(), prompt_.size(), &gp, &r), HEARTH_ERR_CANCELLED);
  EXPECT_EQ(r.stop_reason, 3);
  EXPECT_EQ(hearth_context_set_threads(ctx, 2), HEARTH_OK);
  EXPECT_EQ(hearth_context_cancel(ctx), HEARTH_ERR_NOTHING_RUNNING);  // idle: reported
  hearth_context_free(ctx);
}

TEST_F(ForwardCApi, BadInputGivesClearErrors) {
  hearth_context_params p;
  HEARTH_CONTEXT_PARAMS_INIT(&p);
  hearth_context* ctx = nullptr;
  p.n_ctx = 0;
  EXPECT_EQ(hearth_context_new(model_, &p, &ctx), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(hearth_last_error()).find("n_ctx"), std::string::npos);
  p.n_ctx = 2000000000;
  EXPECT_EQ(hearth_context_new(model_, &p, &ctx), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(hearth_last_error()).find("n_ctx"), std::string::npos);
  p.n_ctx = -5;
  EXPECT_EQ(hearth_context_new(model_, &p, &ctx), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(ctx, nullptr);
  EXPECT_EQ(hearth_context_new(nullptr, nullptr, &ctx), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(hearth_context_new(model_, nullptr, nullptr), HEARTH_ERR_INVALID_ARGUMENT);

  ctx = make(8);
  ASSERT_NE(ctx, nullptr);
  const float* logits = nullptr;
  int32_t n_vocab = 0;
  EXPECT_EQ(hearth_logits(ctx, &logits, &n_vocab), HEARTH_ERR_INVALID_ARGUMENT);  // nothing yet
  const hearth_token bad[] = {1, 512};
  EXPECT_EQ(hearth_decode(ctx, bad, 2), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(hearth_last_error()).find("512"), std::string::npos);
  const hearth_token negative[] = {-1};
  EXPECT_EQ(hearth_decode(ctx, negative, 1), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(hearth_decode(ctx, nullptr, 1), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(hearth_decode(ctx, prompt_.data(), 0), HEARTH_ERR_INVALID_ARGUMENT);
  // Past the context: an error, and the context is unchanged.
  ASSERT_EQ(hearth_decode(ctx, prompt_.data(), prompt_.size()), HEARTH_OK);
  EXPECT_EQ(hearth_decode(ctx, prompt_.data(), prompt_.size()), HEARTH_ERR_CONTEXT_FULL);
  EXPECT_NE(std::string(hearth_last_error()).find("context full"), std::string::npos);
  int32_t n_past = 0;
  EXPECT_EQ(hearth_context_n_past(ctx, &n_past), HEARTH_OK);
  EXPECT_EQ(n_past, 5);
  EXPECT_EQ(hearth_logits(ctx, &logits, &n_vocab), HEARTH_OK);
  EXPECT_EQ(hearth_context_truncate(ctx, -1), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(hearth_context_set_threads(ctx, -3), HEARTH_ERR_INVALID_ARGUMENT);

  // NULL handles everywhere.
  EXPECT_EQ(hearth_decode(nullptr, prompt_.data(), 1), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(hearth_logits(nullptr, &logits, &n_vocab), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(hearth_logits(ctx, nullptr, &n_vocab), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(hearth_generate(nullptr, prompt_.data(), 1, nullptr, nullptr),
            HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(hearth_generate(ctx, nullptr, 3, nullptr, nullptr), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(hearth_context_cancel(nullptr), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(hearth_context_n_past(nullptr, &n_past), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(hearth_context_truncate(nullptr, 0), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(hearth_context_set_threads(nullptr, 1), HEARTH_ERR_INVALID_ARGUMENT);
  hearth_generate_params gp;
  HEARTH_GENERATE_PARAMS_INIT(&gp);
  gp.struct_size = 1;  // too small to hold struct_size itself
  EXPECT_EQ(hearth_generate(ctx, prompt_.data(), 1, &gp, nullptr), HEARTH_ERR_INVALID_ARGUMENT);
  hearth_context_free(ctx);
  hearth_context_free(nullptr);
}

TEST_F(ForwardCApi, VocabOnlyModelHasNoContext) {
  hearth_model_params mp;
  HEARTH_MODEL_PARAMS_INIT(&mp);
  mp.vocab_only = 1;
  hearth_model* vocab = nullptr;
  const std::string path = hearth::test::data_path("models/real/stories260K.gguf");
  ASSERT_EQ(hearth_model_load(path.c_str(), &mp, &vocab), HEARTH_OK);
  hearth_context* ctx = nullptr;
  EXPECT_EQ(hearth_context_new(vocab, nullptr, &ctx), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(hearth_last_error()).find("vocab_only"), std::string::npos);
  hearth_model_free(vocab);
}

}  // namespace

// Thread-safety promises of hearth.h: hearth_last_error() is per thread, and one model shared by
// contexts in several threads gives the same logits as the same work done sequentially.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "hearth.h"
#include "test_data.hpp"

TEST(CapiThreads, LastErrorIsThreadLocal) {
  // Two threads each produce a different error many times and must always read back their own.
  auto worker = [](bool io, int* mismatches) {
    for (int i = 0; i < 200; ++i) {
      hearth_model* m = nullptr;
      std::string expected;
      if (io) {
        EXPECT_EQ(hearth_model_load("/nonexistent/io_thread.gguf", nullptr, &m), HEARTH_ERR_IO);
        expected = "/nonexistent/io_thread.gguf";
      } else {
        EXPECT_EQ(hearth_cpu_info_get(nullptr), HEARTH_ERR_INVALID_ARGUMENT);
        expected = "NULL";
      }
      std::this_thread::yield();
      const std::string msg = hearth_last_error();
      if (msg.find(expected) == std::string::npos) ++*mismatches;
      if (!io && msg.find("io_thread") != std::string::npos) ++*mismatches;
    }
  };
  int bad_a = 0, bad_b = 0;
  std::thread a(worker, true, &bad_a), b(worker, false, &bad_b);
  a.join();
  b.join();
  EXPECT_EQ(bad_a, 0);
  EXPECT_EQ(bad_b, 0);
  // A fresh thread has no error; a successful call clears this thread's error.
  std::string fresh = "unset";
  std::thread([&] { fresh = hearth_last_error(); }).join();
  EXPECT_EQ(fresh, "");
  EXPECT_EQ(hearth_cpu_info_get(nullptr), HEARTH_ERR_INVALID_ARGUMENT);
  hearth_cpu_info info{};
  info.struct_size = sizeof info;
  EXPECT_EQ(hearth_cpu_info_get(&info), HEARTH_OK);
  EXPECT_STREQ(hearth_last_error(), "");
}

namespace {

// Decodes `tokens` one call per chunk on a fresh context and returns the final logits.
std::vector<float> run(const hearth_model* model, const std::vector<hearth_token>& tokens) {
  hearth_context_params cp;
  HEARTH_CONTEXT_PARAMS_INIT(&cp);
  cp.n_ctx = 64;
  cp.n_threads = 2;
  hearth_context* ctx = nullptr;
  if (hearth_context_new(model, &cp, &ctx) != HEARTH_OK) return {};
  std::vector<float> out;
  for (size_t i = 0; i < tokens.size(); i += 3) {
    const size_t n = std::min<size_t>(3, tokens.size() - i);
    if (hearth_decode(ctx, tokens.data() + i, n) != HEARTH_OK) break;
    const float* logits = nullptr;
    int32_t n_vocab = 0;
    if (hearth_logits(ctx, &logits, &n_vocab) != HEARTH_OK) break;
    out.insert(out.end(), logits, logits + n_vocab);
  }
  hearth_context_free(ctx);
  return out;
}

}  // namespace

TEST(CapiThreads, SharedModelConcurrentContextsMatchSequential) {
  for (const char* file :
       {"models/real/stories260K.gguf", "models/real/TinyStories-656K-Q8_0.gguf"}) {
    const std::string path = hearth::test::data_path(file);
    HEARTH_REQUIRE_DATA(path);
    SCOPED_TRACE(path);
    hearth_model* model = nullptr;
    ASSERT_EQ(hearth_model_load(path.c_str(), nullptr, &model), HEARTH_OK) << hearth_last_error();
    const std::vector<hearth_token> a = {1, 400, 59, 261, 300, 17, 42, 99, 7};
    const std::vector<hearth_token> b = {1, 13, 250, 251, 252, 5, 400, 401};
    const auto seq_a = run(model, a);
    const auto seq_b = run(model, b);
    ASSERT_FALSE(seq_a.empty());
    ASSERT_FALSE(seq_b.empty());
    ASSERT_NE(seq_a, seq_b);
    for (int round = 0; round < 3; ++round) {
      std::vector<float> par_a, par_b;
      std::thread ta([&] { par_a = run(model, a); });
      std::thread tb([&] { par_b = run(model, b); });
      ta.join();
      tb.join();
      // Same code on the same inputs: bit-identical, whatever else runs at the same time.
      EXPECT_EQ(par_a, seq_a);
      EXPECT_EQ(par_b, seq_b);
    }
    hearth_model_free(model);
  }
}

// hearth_context_cancel from another thread stops a running hearth_generate.
TEST(CapiThreads, CancelFromAnotherThread) {
  const std::string path = hearth::test::data_path("models/real/stories260K.gguf");
  HEARTH_REQUIRE_DATA(path);
  hearth_model* model = nullptr;
  ASSERT_EQ(hearth_model_load(path.c_str(), nullptr, &model), HEARTH_OK) << hearth_last_error();
  hearth_context* ctx = nullptr;
  ASSERT_EQ(hearth_context_new(model, nullptr, &ctx), HEARTH_OK) << hearth_last_error();
  struct State {
    std::atomic<int> seen{0};
    std::atomic<bool> cancelled{false};
  } state;
  hearth_generate_params gp;
  HEARTH_GENERATE_PARAMS_INIT(&gp);
  gp.max_tokens = 1000;
  gp.user_data = &state;
  // Slow the generator down until the cancel has been sent, so the stop cannot be a race win.
  gp.on_token = [](const hearth_generation_event*, void* user) {
    auto* s = static_cast<State*>(user);
    ++s->seen;
    while (!s->cancelled.load()) std::this_thread::yield();
    return 0;
  };
  const hearth_token bos = 1;
  hearth_status st = HEARTH_OK;
  std::thread gen([&] { st = hearth_generate(ctx, &bos, 1, &gp, nullptr); });
  while (state.seen.load() == 0) std::this_thread::yield();
  EXPECT_EQ(hearth_context_cancel(ctx), HEARTH_OK);
  state.cancelled = true;
  gen.join();
  EXPECT_EQ(st, HEARTH_ERR_CANCELLED);
  EXPECT_LT(state.seen.load(), 1000);
  hearth_context_free(ctx);
  hearth_model_free(model);
}

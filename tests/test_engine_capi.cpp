// The engine through the C ABI: bad input gives clear statuses, pull-mode streaming, and a
// stress run (hundreds of requests, random lengths, cancellations, deadlines, preemption)
// that ends with every request finished for a defined reason and no block referenced.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "hearth.h"
#include "test_data.hpp"

namespace {

const char* kStories = "models/real/stories260K.gguf";

struct Loaded {
  hearth_model* model = nullptr;
  ~Loaded() { hearth_model_free(model); }
};

hearth_engine_params params(int blocks, int running, int budget) {
  hearth_engine_params p;
  hearth_engine_params_init(&p, sizeof p);
  p.n_ctx = 256;
  p.n_threads = 2;
  p.kv_blocks = blocks;
  p.max_running = running;
  p.token_budget = budget;
  return p;
}

TEST(EngineCapi, BadInputGivesClearStatuses) {
  const std::string path = hearth::test::data_path(kStories);
  HEARTH_REQUIRE_DATA(path);
  Loaded m;
  ASSERT_EQ(hearth_model_load(path.c_str(), nullptr, &m.model), HEARTH_OK);
  hearth_engine* e = nullptr;
  // NULL pointers and bad sizes.
  EXPECT_EQ(hearth_engine_params_init(nullptr, 64), HEARTH_ERR_INVALID_ARGUMENT);
  hearth_engine_params tiny;
  EXPECT_EQ(hearth_engine_params_init(&tiny, 2), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(hearth_engine_create(nullptr, nullptr, &e), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(hearth_engine_create(m.model, nullptr, nullptr), HEARTH_ERR_INVALID_ARGUMENT);
  // Zero / negative limits.
  for (auto p : {params(0, 0, 8), params(-1, 4, 8), params(8, 4, 0), params(8, 4, 2)}) {
    EXPECT_EQ(hearth_engine_create(m.model, &p, &e), HEARTH_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(hearth_last_error()), "");
  }
  // An older caller's smaller struct: the fields past its size take the defaults.
  hearth_engine_params old;
  ASSERT_EQ(hearth_engine_params_init(&old, offsetof(hearth_engine_params, kv_blocks)), HEARTH_OK);
  EXPECT_EQ(old.struct_size, offsetof(hearth_engine_params, kv_blocks));
  old.n_ctx = 128;
  ASSERT_EQ(hearth_engine_create(m.model, &old, &e), HEARTH_OK);
  hearth_engine_free(e);

  hearth_engine_params p = params(4, 2, 16);  // 64 tokens of pool
  ASSERT_EQ(hearth_engine_create(m.model, &p, &e), HEARTH_OK);
  hearth_request_params rp;
  hearth_request_params_init(&rp, sizeof rp);
  hearth_request* r = nullptr;
  EXPECT_EQ(hearth_engine_submit(e, &rp, &r), HEARTH_ERR_INVALID_ARGUMENT);  // no prompt
  EXPECT_NE(std::string(hearth_last_error()).find("prompt"), std::string::npos);
  std::vector<hearth_token> toks(300, 5);
  rp.tokens = toks.data();
  rp.n_tokens = toks.size();  // longer than n_ctx
  EXPECT_EQ(hearth_engine_submit(e, &rp, &r), HEARTH_ERR_CONTEXT_FULL);
  rp.n_tokens = 100;  // fits n_ctx, not the 64-token pool
  EXPECT_EQ(hearth_engine_submit(e, &rp, &r), HEARTH_ERR_CONTEXT_FULL);
  EXPECT_NE(std::string(hearth_last_error()).find("pool"), std::string::npos);
  rp.n_tokens = 10;
  rp.max_tokens = 0;
  EXPECT_EQ(hearth_engine_submit(e, &rp, &r), HEARTH_ERR_INVALID_ARGUMENT);
  rp.max_tokens = -3;
  EXPECT_EQ(hearth_engine_submit(e, &rp, &r), HEARTH_ERR_INVALID_ARGUMENT);
  rp.max_tokens = 4;
  rp.deadline_ms = -1;
  EXPECT_EQ(hearth_engine_submit(e, &rp, &r), HEARTH_ERR_INVALID_ARGUMENT);
  rp.deadline_ms = 0;
  toks[3] = 1 << 20;  // outside the vocabulary
  EXPECT_EQ(hearth_engine_submit(e, &rp, &r), HEARTH_ERR_INVALID_ARGUMENT);
  toks[3] = 5;
  const char bad_utf8[] = "Once \xC3\x28 upon";
  rp.prompt = bad_utf8;
  rp.prompt_len = sizeof bad_utf8 - 1;
  EXPECT_EQ(hearth_engine_submit(e, &rp, &r), HEARTH_ERR_INVALID_ARGUMENT);  // and both kinds
  rp.tokens = nullptr;
  rp.n_tokens = 0;
  EXPECT_EQ(hearth_engine_submit(e, &rp, &r), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(hearth_last_error()).find("UTF-8"), std::string::npos);
  EXPECT_EQ(r, nullptr);  // never written on failure

  // Cancel: NULL, a pointer that is no request, a finished request.
  EXPECT_EQ(hearth_request_cancel(nullptr), HEARTH_ERR_INVALID_ARGUMENT);
  int dummy = 0;
  EXPECT_EQ(hearth_request_cancel(reinterpret_cast<hearth_request*>(&dummy)),
            HEARTH_ERR_INVALID_ARGUMENT);
  rp.prompt = "Once upon a time";
  rp.prompt_len = 16;
  ASSERT_EQ(hearth_engine_submit(e, &rp, &r), HEARTH_OK);
  // Pull mode: the pieces, then the end.
  std::string text;
  for (;;) {
    char buf[64];
    size_t n = 0;
    int finished = 0;
    ASSERT_EQ(hearth_request_next(r, buf, sizeof buf, &n, 10000, &finished), HEARTH_OK);
    if (finished) break;
    text.append(buf, n);
  }
  EXPECT_FALSE(text.empty());
  hearth_request_outcome out;
  out.struct_size = sizeof out;
  ASSERT_EQ(hearth_request_result(r, &out), HEARTH_OK);
  EXPECT_EQ(out.finish_reason, HEARTH_FINISH_LENGTH);
  EXPECT_EQ(out.generated_tokens, 4);
  EXPECT_GT(out.prompt_tokens, 0);
  EXPECT_EQ(hearth_request_cancel(r), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(hearth_last_error()).find("finished"), std::string::npos);
  hearth_request_free(r);
  EXPECT_EQ(hearth_engine_stats(nullptr, nullptr), HEARTH_ERR_INVALID_ARGUMENT);
  hearth_engine_free(e);
  hearth_request_free(nullptr);
  hearth_engine_free(nullptr);
}

TEST(EngineCapi, StressEndsWithEveryRequestFinishedAndNoBlockHeld) {
  const std::string path = hearth::test::data_path(kStories);
  HEARTH_REQUIRE_DATA(path);
  Loaded m;
  ASSERT_EQ(hearth_model_load(path.c_str(), nullptr, &m.model), HEARTH_OK);
  hearth_engine* e = nullptr;
  hearth_engine_params p = params(48, 32, 96);  // 768 tokens for up to 32 sequences: preemption
  ASSERT_EQ(hearth_engine_create(m.model, &p, &e), HEARTH_OK);
  int32_t n_vocab = 0;
  ASSERT_EQ(hearth_model_vocab_size(m.model, &n_vocab), HEARTH_OK);
  std::mt19937 rng(1234);
  const int kRequests = 300;
  std::vector<hearth_request*> reqs(kRequests, nullptr);
  std::atomic<int> pieces{0};
  hearth_sampler_params sp;
  HEARTH_SAMPLER_PARAMS_INIT(&sp);
  for (int i = 0; i < kRequests; ++i) {
    std::vector<hearth_token> toks(1 + rng() % 120);
    for (auto& t : toks) t = 1 + static_cast<hearth_token>(rng() % (n_vocab - 1));
    if (i % 3 == 0) toks.assign(40, 7);  // some shared prefixes
    hearth_request_params rp;
    hearth_request_params_init(&rp, sizeof rp);
    rp.tokens = toks.data();
    rp.n_tokens = toks.size();
    rp.max_tokens = 1 + static_cast<int32_t>(rng() % 60);
    rp.deadline_ms = i % 7 == 0 ? 1 + rng() % 50 : 0;
    if (i % 2) {
      sp.seed = i;
      rp.sampler = &sp;
    }
    rp.tenant = i % 5 == 0 ? "other" : nullptr;
    rp.on_piece = [](const char*, size_t, hearth_token, void* u) {
      ++*static_cast<std::atomic<int>*>(u);
    };
    rp.user_data = &pieces;
    ASSERT_EQ(hearth_engine_submit(e, &rp, &reqs[i]), HEARTH_OK) << hearth_last_error();
    if (i % 11 == 0 && i > 0) hearth_request_cancel(reqs[i - 1 - rng() % std::min(i, 10)]);
  }
  // Cancel a few more from another thread while the engine runs.
  std::thread canceller([&] {
    for (int i = 0; i < kRequests; i += 13) {
      hearth_request_cancel(reqs[i]);  // may have finished already: that is an error status
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  canceller.join();
  int by_reason[5] = {0, 0, 0, 0, 0};
  for (hearth_request* r : reqs) {
    int finished = 0;
    ASSERT_EQ(hearth_request_wait(r, 120000, &finished), HEARTH_OK);
    ASSERT_TRUE(finished);
    hearth_request_outcome out;
    out.struct_size = sizeof out;
    ASSERT_EQ(hearth_request_result(r, &out), HEARTH_OK);
    ASSERT_GE(out.finish_reason, HEARTH_FINISH_STOP);
    ASSERT_LE(out.finish_reason, HEARTH_FINISH_DEADLINE);  // never an error
    ++by_reason[out.finish_reason];
  }
  hearth_engine_stats_info st;
  st.struct_size = sizeof st;
  ASSERT_EQ(hearth_engine_stats(e, &st), HEARTH_OK);
  EXPECT_EQ(st.running, 0);
  EXPECT_EQ(st.waiting, 0);
  EXPECT_EQ(st.blocks_used, 0);
  EXPECT_EQ(st.blocks_total, 48);
  EXPECT_GT(st.tokens_processed, 0u);
  EXPECT_GT(by_reason[HEARTH_FINISH_CANCELLED], 0);
  EXPECT_GT(by_reason[HEARTH_FINISH_LENGTH] + by_reason[HEARTH_FINISH_STOP], 100);
  std::printf("stop %d length %d cancelled %d deadline %d; steps %llu, preemptions %llu\n",
              by_reason[0], by_reason[1], by_reason[2], by_reason[3],
              static_cast<unsigned long long>(st.steps),
              static_cast<unsigned long long>(st.preemptions));
  for (hearth_request* r : reqs) hearth_request_free(r);
  hearth_engine_free(e);
}

}  // namespace

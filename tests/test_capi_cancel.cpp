// Cancellation under races (hearth.h, "Cancellation"): a hearth_context_cancel that meets a
// hearth_decode either cancels it (decode: HEARTH_ERR_CANCELLED, cancel: HEARTH_OK) or reports
// that nothing was running (decode: HEARTH_OK, cancel: HEARTH_ERR_NOTHING_RUNNING). Never both
// OK (a lost cancel), never a cancelled decode with no cancel accepted (a cancel kept from an
// earlier moment).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "hearth.h"
#include "test_data.hpp"

namespace {

const char* kStories = "models/real/stories260K.gguf";

struct Fixture {
  hearth_model* model = nullptr;
  hearth_context* ctx = nullptr;
  ~Fixture() {
    hearth_context_free(ctx);
    hearth_model_free(model);
  }
};

bool open(Fixture& f, const std::string& path) {
  if (hearth_model_load(path.c_str(), nullptr, &f.model) != HEARTH_OK) return false;
  hearth_context_params cp;
  HEARTH_CONTEXT_PARAMS_INIT(&cp);
  cp.n_ctx = 256;
  cp.n_threads = 1;
  cp.n_batch = 8;  // several micro-batches per decode: several cancellation points
  return hearth_context_new(f.model, &cp, &f.ctx) == HEARTH_OK;
}

TEST(CapiCancel, IdleCancelIsReportedAndNotKept) {
  const std::string path = hearth::test::data_path(kStories);
  HEARTH_REQUIRE_DATA(path);
  Fixture f;
  ASSERT_TRUE(open(f, path)) << hearth_last_error();
  EXPECT_EQ(hearth_context_cancel(f.ctx), HEARTH_ERR_NOTHING_RUNNING);
  EXPECT_NE(std::string(hearth_last_error()).find("nothing was running"), std::string::npos);
  const hearth_token toks[4] = {1, 2, 3, 4};
  EXPECT_EQ(hearth_decode(f.ctx, toks, 4), HEARTH_OK);  // the idle cancel was not kept
}

TEST(CapiCancel, RacingCancelEitherCancelsOrReportsNothingRunning) {
  const std::string path = hearth::test::data_path(kStories);
  HEARTH_REQUIRE_DATA(path);
  Fixture f;
  ASSERT_TRUE(open(f, path)) << hearth_last_error();
  std::vector<hearth_token> toks(64);
  for (size_t i = 0; i < toks.size(); ++i) toks[i] = static_cast<hearth_token>(10 + i);

  // How long one decode takes, so that cancels land before, during and after calls.
  ASSERT_EQ(hearth_decode(f.ctx, toks.data(), toks.size()), HEARTH_OK);  // warm-up
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(hearth_context_truncate(f.ctx, 0), HEARTH_OK);
    ASSERT_EQ(hearth_decode(f.ctx, toks.data(), toks.size()), HEARTH_OK);
  }
  const double decode_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() /
      5;

  constexpr int kRounds = 300;
  std::atomic<int> round{-1};
  std::atomic<int> cancel_done{-1};
  std::vector<hearth_status> cancel_status(kRounds);
  std::thread canceller([&] {
    std::mt19937 rng(7);
    // Up to twice the measured decode: cancels land before, during and after the call even
    // when a decode under a sanitizer or on a loaded machine runs longer than the warm-up's.
    std::uniform_real_distribution<double> delay(0, 2 * decode_us);
    for (int r = 0; r < kRounds; ++r) {
      while (round.load() < r) std::this_thread::yield();
      const auto until =
          std::chrono::steady_clock::now() + std::chrono::duration<double, std::micro>(delay(rng));
      while (std::chrono::steady_clock::now() < until) {
      }
      cancel_status[r] = hearth_context_cancel(f.ctx);
      cancel_done.store(r);
    }
  });
  int cancelled = 0, completed = 0;
  for (int r = 0; r < kRounds; ++r) {
    ASSERT_EQ(hearth_context_truncate(f.ctx, 0), HEARTH_OK);
    round.store(r);
    const hearth_status st = hearth_decode(f.ctx, toks.data(), toks.size());
    while (cancel_done.load() < r) std::this_thread::yield();  // the round's cancel has returned
    const hearth_status cs = cancel_status[r];
    if (st == HEARTH_ERR_CANCELLED) {
      ++cancelled;
      EXPECT_EQ(cs, HEARTH_OK) << "round " << r << ": a decode was cancelled by no cancel";
      int32_t n_past = -1;
      EXPECT_EQ(hearth_context_n_past(f.ctx, &n_past), HEARTH_OK);
      EXPECT_EQ(n_past, 0) << "a cancelled decode must leave the context as it was";
    } else {
      ASSERT_EQ(st, HEARTH_OK) << hearth_last_error();
      ++completed;
      EXPECT_EQ(cs, HEARTH_ERR_NOTHING_RUNNING)
          << "round " << r << ": the cancel was accepted, yet the decode completed (lost)";
    }
  }
  canceller.join();
  // Both outcomes must have happened, or the race was never exercised.
  std::printf("decode %.0f us: %d cancelled, %d completed\n", decode_us, cancelled, completed);
  EXPECT_GE(cancelled, 5);
  EXPECT_GE(completed, 5);
}

}  // namespace

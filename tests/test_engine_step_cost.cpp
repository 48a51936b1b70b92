// StepCost (src/engine/step_cost.hpp): prompt chunks are sized from measured step times by the
// model t = t_decode + c_token * tokens + c_cell * cells; values below are computed by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/step_cost.hpp"

namespace hearth::engine {
namespace {

// Seconds of a step beside decoders that took t_decode, for a chunk of n tokens at p0 under
// c_token = 0.2 ms and c_cell = 0.1 us.
double step_seconds(double t_decode, int n, int p0) {
  return t_decode + 0.2e-3 * n + 0.1e-6 * StepCost::cells(n, p0);
}

TEST(StepCost, CellsCountTheCausalSpanOfEachToken) {
  EXPECT_DOUBLE_EQ(StepCost::cells(1, 0), 1);            // the token itself
  EXPECT_DOUBLE_EQ(StepCost::cells(3, 0), 1 + 2 + 3);    // causal within the chunk
  EXPECT_DOUBLE_EQ(StepCost::cells(2, 100), 101 + 102);  // and the cached prefix
  EXPECT_DOUBLE_EQ(StepCost::cells(20, 1000), 20000 + 210);
}

TEST(StepCost, UnlimitedWithoutDecodersOrGuard) {
  StepCost c;
  EXPECT_EQ(c.budget(0, 3.0).fit(0, 500), 500);  // nothing decodes: no limit
  EXPECT_EQ(c.budget(4, 0.0).fit(0, 500), 500);  // guard off
}

TEST(StepCost, CalibrationTokensUntilMeasured) {
  StepCost c;
  StepCost::Budget b = c.budget(4, 3.0);  // nothing measured yet
  EXPECT_EQ(b.fit(0, 100), StepCost::kCalibrationTokens);
  EXPECT_EQ(b.fit(0, 10), 10);
  b.spend(StepCost::kCalibrationTokens, 0);
  EXPECT_FALSE(b.has_room());
  EXPECT_EQ(b.fit(0, 100), 0);  // a second prompt waits
  c.record(4, 0, 0, 0.010);     // decode-only: 10 ms
  EXPECT_DOUBLE_EQ(c.decode_seconds(), 0.010);
  EXPECT_EQ(c.budget(4, 3.0).fit(0, 100), StepCost::kCalibrationTokens);  // c_token unknown
}

TEST(StepCost, ChunkSizeCountsAttentionOverTheCachedPrefix) {
  StepCost c;
  c.record(4, 0, 0, 0.010);
  // One mixed step: the two terms cannot be told apart yet, so the per-token fit alone:
  // (64 * 0.2 ms + 2080 * 0.1 us) / 64 tokens.
  c.record(4, 64, StepCost::cells(64, 0), step_seconds(0.010, 64, 0));
  EXPECT_NEAR(c.token_seconds(), (64 * 0.2e-3 + 2080 * 0.1e-6) / 64, 1e-12);
  EXPECT_EQ(c.cell_seconds(), 0);
  const double per_token = c.token_seconds();
  EXPECT_DOUBLE_EQ(c.margin(), 1.0);  // nothing predicted yet
  // A chunk deep into the prompt: now both terms, exactly (the data has no noise).
  c.record(4, 20, StepCost::cells(20, 1000), step_seconds(0.010, 20, 1000));
  EXPECT_NEAR(c.token_seconds(), 0.2e-3, 1e-12);
  EXPECT_NEAR(c.cell_seconds(), 0.1e-6, 1e-15);
  // The per-token fit had predicted that step 13.9% short: margin 1 + 2 sqrt(0.2 r^2).
  const double predicted = 0.010 + 20 * per_token;
  const double r = (step_seconds(0.010, 20, 1000) - predicted) / predicted;
  EXPECT_NEAR(r, 0.13907, 1e-5);
  EXPECT_NEAR(c.margin(), 1 + 2 * std::sqrt(0.2) * r, 1e-12);

  // With a stall limit of 3 x the margin, 3 * 10 ms - 10 ms of prompt work at p0 = 1000: 65
  // tokens cost 13 ms + 67145 cells * 0.1 us = 19.71 ms, 66 tokens 13.2 + 6.82 = 20.02 ms. A
  // cost per token alone would give 100.
  StepCost::Budget b = c.budget(4, 3.0 * c.margin());
  EXPECT_EQ(b.fit(1000, 500), 65);
  EXPECT_EQ(b.fit(1000, 40), 40);  // the rest of the prompt fits
  // At the start of a prompt: 97 tokens cost 19.4 + 0.475 ms, 98 tokens 19.6 + 0.485.
  EXPECT_EQ(b.fit(0, 500), 97);
  b.spend(65, 1000);
  // 0.29 ms left: one more token of a second prompt at 0 (0.2 ms), not the first chunk's 16.
  EXPECT_TRUE(b.has_room());
  EXPECT_EQ(b.fit(0, 100), 1);
  // Deep into a long prompt 8 tokens fit 5 ms (8 * 0.2 + 32036 * 1e-4 = 4.80 ms), 9 do not.
  EXPECT_EQ(c.budget(4, 1.5 * c.margin()).fit(4000, 500), 8);
  // 1 ms fits only 1 token there (0.60 ms): the first chunk still gets the minimum, 4.
  EXPECT_EQ(c.budget(4, 1.1 * c.margin()).fit(4000, 500), StepCost::kMinChunk);
  EXPECT_EQ(c.budget(4, 1.1 * c.margin()).fit(4000, 3), 3);
  // The plain limit 3 leaves 30 ms / 1.1244 - 10 ms = 16.68 ms: 55 tokens (16.63 ms).
  EXPECT_EQ(c.budget(4, 3.0).fit(1000, 500), 55);
  // A budget for 449 tokens at 0: no more than twice the longest chunk measured (64).
  EXPECT_EQ(c.budget(4, 11.0 * c.margin()).fit(0, 500), 2 * 64);
}

// Found by a loaded CI machine: with the margin at the stall limit the budget left nothing, so
// has_room() was false and a new prompt waited until the running streams had all finished.
TEST(StepCost, FirstChunkHasRoomWhenTheMarginReachesTheLimit) {
  StepCost c;
  c.record(4, 0, 0, 0.010);
  c.record(4, 32, StepCost::cells(32, 0), step_seconds(0.010, 32, 0));
  StepCost::Budget b = c.budget(4, c.margin());  // limit == margin: no time left at all
  EXPECT_TRUE(b.has_room());
  EXPECT_EQ(b.fit(0, 500), StepCost::kMinChunk);
  b.spend(StepCost::kMinChunk, 0);
  EXPECT_FALSE(b.has_room());  // but only the first chunk
  EXPECT_EQ(b.fit(0, 500), 0);
}

TEST(StepCost, MarginFollowsThePredictionErrors) {
  StepCost c;
  c.record(4, 0, 0, 0.010);
  c.record(4, 32, StepCost::cells(32, 0), step_seconds(0.010, 32, 0));
  c.record(4, 32, StepCost::cells(32, 500), step_seconds(0.010, 32, 500));
  const double m = c.margin();
  EXPECT_GT(m, 1.0);
  // Exact predictions from now on: the mean square error decays by a fifth per step.
  c.record(4, 32, StepCost::cells(32, 1000), step_seconds(0.010, 32, 1000));
  EXPECT_NEAR(c.margin(), 1 + std::sqrt(0.8) * (m - 1), 1e-9);
  // A step 30% slower than predicted (a busy machine): the margin grows, the chunks shrink.
  const int before = c.budget(4, 3.0).fit(1100, 500);
  const double predicted = step_seconds(0.010, 32, 1100);
  c.record(4, 32, StepCost::cells(32, 1100), 1.3 * predicted);
  EXPECT_GT(c.margin(), 1 + 2 * std::sqrt(0.2) * 0.3 - 1e-9);
  EXPECT_LT(c.budget(4, 3.0).fit(1100, 500), before);
}

TEST(StepCost, NegativeCellTermFallsBackToPerToken) {
  StepCost c;
  c.record(4, 0, 0, 0.010);
  // Noise: the chunk deeper in the prompt measured cheaper. The two-term fit would give a
  // negative cost per cell; the per-token fit (weights 0.9 and 1) is used instead.
  c.record(4, 32, StepCost::cells(32, 0), 0.020);
  c.record(4, 32, StepCost::cells(32, 1000), 0.015);
  EXPECT_NEAR(c.token_seconds(), (0.9 * 32 * 0.010 + 32 * 0.005) / (0.9 * 1024 + 1024), 1e-12);
  EXPECT_EQ(c.cell_seconds(), 0);
}

TEST(StepCost, RunningAverageOfDecodeStepsAndPrefillOnlyStepsIgnored) {
  StepCost c;
  c.record(4, 0, 0, 0.010);
  c.record(4, 0, 0, 0.020);  // moves t_decode by a fifth of the difference
  EXPECT_NEAR(c.decode_seconds(), 0.012, 1e-12);
  c.record(0, 500, StepCost::cells(500, 0), 1.0);  // nothing decoded: says nothing about stalls
  EXPECT_NEAR(c.decode_seconds(), 0.012, 1e-12);
  EXPECT_EQ(c.token_seconds(), 0);
}

}  // namespace
}  // namespace hearth::engine

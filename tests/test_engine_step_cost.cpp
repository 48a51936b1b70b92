// StepCost (src/engine/step_cost.hpp): the prefill cap follows from measured step times by the
// model t = t_decode + n_prefill * c_token; values below are computed by hand.
#include <gtest/gtest.h>

#include <climits>

#include "engine/step_cost.hpp"

namespace hearth::engine {
namespace {

TEST(StepCost, CapFollowsMeasuredTimes) {
  StepCost c;
  EXPECT_EQ(c.prefill_cap(0, 3.0), INT_MAX);                       // nothing decodes: no limit
  EXPECT_EQ(c.prefill_cap(4, 0.0), INT_MAX);                       // guard off
  EXPECT_EQ(c.prefill_cap(4, 3.0), StepCost::kCalibrationTokens);  // nothing measured yet
  c.record(4, 0, 0.010);                                           // decode-only: 10 ms
  EXPECT_EQ(c.prefill_cap(4, 3.0), StepCost::kCalibrationTokens);  // c_token still unknown
  c.record(4, 100, 0.110);  // +100 tokens took +100 ms: 1 ms per token
  EXPECT_DOUBLE_EQ(c.prefill_token_seconds(), 0.001);
  EXPECT_EQ(c.prefill_cap(4, 3.0), 20);  // (3 - 1) * 10 ms / 1 ms
  EXPECT_EQ(c.prefill_cap(4, 11.0), 100);
  EXPECT_EQ(c.prefill_cap(4, 1.5), StepCost::kMinChunk);  // 5 tokens: raised to the minimum
  // Running averages: a new decode time of 20 ms moves t_decode by a fifth of the difference.
  c.record(4, 0, 0.020);
  EXPECT_NEAR(c.decode_seconds(), 0.012, 1e-12);
  // Prefill-only steps (nothing decoding) are not measurements of either term.
  c.record(0, 500, 1.0);
  EXPECT_NEAR(c.decode_seconds(), 0.012, 1e-12);
  EXPECT_DOUBLE_EQ(c.prefill_token_seconds(), 0.001);
  // A dearer prompt token (deeper in the prompt) is believed at once; a cheaper one only by a
  // fifth of the difference.
  c.record(4, 100, 0.012 + 100 * 0.002);
  EXPECT_NEAR(c.prefill_token_seconds(), 0.002, 1e-12);
  c.record(4, 100, 0.012 + 100 * 0.001);
  EXPECT_NEAR(c.prefill_token_seconds(), 0.0018, 1e-12);
}

}  // namespace
}  // namespace hearth::engine

// ThreadPool::parallel_for: every index exactly once, chunk bounds on the grain, any thread
// count, nested and empty ranges, and many short calls in a row (the decode pattern).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "core/thread_pool.hpp"

namespace hearth {
namespace {

void expect_each_index_once(ThreadPool& pool, int64_t n, int64_t grain,
                            Schedule schedule = Schedule::kGuided) {
  std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
  for (auto& h : hits) h = 0;
  std::atomic<bool> bad_bounds{false};
  pool.parallel_for(
      n,
      [&](int64_t b, int64_t e) {
        if (b < 0 || e > n || b >= e || b % grain != 0 || (e % grain != 0 && e != n))
          bad_bounds = true;
        for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
      },
      grain, schedule);
  EXPECT_FALSE(bad_bounds) << "n " << n << " grain " << grain;
  for (int64_t i = 0; i < n; ++i)
    ASSERT_EQ(hits[static_cast<size_t>(i)], 1)
        << "index " << i << " of " << n << " grain " << grain;
}

TEST(ThreadPool, CoversEveryIndexOnceForAnyThreadCount) {
  for (int threads : {1, 2, 3, 8, 17}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.size(), threads);
    for (int64_t n : {1, 2, 3, 7, 16, 100, 1001, 65536})
      for (int64_t grain : {1, 4, 16, 1000})
        for (Schedule s : {Schedule::kGuided, Schedule::kEqualChunks})
          expect_each_index_once(pool, n, grain, s);
  }
}

TEST(ThreadPool, ZeroAndNegativeSizesCallNothing) {
  ThreadPool pool(4);
  int calls = 0;
  pool.parallel_for(0, [&](int64_t, int64_t) { ++calls; });
  pool.parallel_for(-5, [&](int64_t, int64_t) { ++calls; });
  parallel_for(&pool, 0, [&](int64_t, int64_t) { ++calls; });
  parallel_for(nullptr, 0, [&](int64_t, int64_t) { ++calls; });
  EXPECT_EQ(calls, 0);
  // Without a pool the whole range runs inline, once.
  parallel_for(nullptr, 10, [&](int64_t b, int64_t e) {
    EXPECT_EQ(b, 0);
    EXPECT_EQ(e, 10);
    ++calls;
  });
  EXPECT_EQ(calls, 1);
}

TEST(ThreadPool, NestedCallsRunInlineAndStillCoverTheirRange) {
  ThreadPool pool(3);
  std::atomic<int64_t> total{0};
  pool.parallel_for(12, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      pool.parallel_for(100, [&](int64_t b2, int64_t e2) { total += e2 - b2; });
  });
  EXPECT_EQ(total, 1200);
}

TEST(ThreadPool, ManyShortCallsInARow) {
  ThreadPool pool(2);
  std::atomic<int64_t> sum{0};
  const auto t0 = std::chrono::steady_clock::now();
  for (int rep = 0; rep < 20000; ++rep)
    pool.parallel_for(
        64,
        [&](int64_t b, int64_t e) {
          int64_t s = 0;
          for (int64_t i = b; i < e; ++i) s += i;
          sum += s;
        },
        8);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(sum, 20000LL * (63 * 64 / 2));
  std::printf("[pool] 20000 parallel_for calls: %.1f us each\n", secs / 20000 * 1e6);
}

TEST(ThreadPool, IdlePoolSleepsAndWakesAgain) {
  ThreadPool pool(4);
  expect_each_index_once(pool, 1000, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));  // workers fall asleep
  expect_each_index_once(pool, 1000, 1);
}

TEST(ThreadPool, SeparatePoolsRunConcurrently) {
  std::vector<std::thread> users;
  std::atomic<int> failures{0};
  for (int u = 0; u < 3; ++u)
    users.emplace_back([&] {
      ThreadPool pool(2);
      for (int rep = 0; rep < 500; ++rep) {
        std::atomic<int64_t> count{0};
        pool.parallel_for(257, [&](int64_t b, int64_t e) { count += e - b; });
        if (count != 257) ++failures;
      }
    });
  for (auto& t : users) t.join();
  EXPECT_EQ(failures, 0);
}

}  // namespace
}  // namespace hearth

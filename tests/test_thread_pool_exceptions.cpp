// The thread pool's exception barrier: a chunk that throws, on the calling thread or on a
// worker, reaches the caller of parallel_for as that exception (std::bad_alloc included); no
// std::terminate; the pool keeps working afterwards.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <new>
#include <stdexcept>
#include <thread>

#include "core/thread_pool.hpp"

namespace hearth {
namespace {

int64_t sum_of_indices(ThreadPool& pool, int64_t n) {
  std::atomic<int64_t> sum{0};
  pool.parallel_for(n, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) sum += i;
  });
  return sum.load();
}

TEST(ThreadPoolExceptions, ThrowInAnyChunkReachesTheCaller) {
  for (int threads : {2, 3, 8}) {
    ThreadPool pool(threads);
    for (int rep = 0; rep < 200; ++rep) {
      const int64_t bad = rep % 97;  // the index whose chunk throws
      EXPECT_THROW(pool.parallel_for(97,
                                     [&](int64_t b, int64_t e) {
                                       if (b <= bad && bad < e)
                                         throw std::runtime_error("injected");
                                     }),
                   std::runtime_error);
      // Usable at once: every index exactly once in the next loop.
      ASSERT_EQ(sum_of_indices(pool, 1000), 999 * 1000 / 2) << threads << " threads";
    }
  }
}

TEST(ThreadPoolExceptions, WorkerThreadThrowIsRethrownOnTheCaller) {
  ThreadPool pool(4);
  const auto caller = std::this_thread::get_id();
  int worker_threw = 0;
  for (int rep = 0; rep < 200 && worker_threw < 5; ++rep) {
    std::atomic<bool> threw_on_worker{false};
    try {
      pool.parallel_for(64, [&](int64_t, int64_t) {
        // Slow chunks, so that workers join the loop before the caller took every chunk.
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        if (std::this_thread::get_id() != caller) {
          threw_on_worker = true;
          throw std::bad_alloc();  // as an allocation failure inside a kernel would
        }
      }, 1, Schedule::kEqualChunks);
      EXPECT_FALSE(threw_on_worker.load()) << "a worker threw, yet parallel_for returned";
    } catch (const std::bad_alloc&) {
      EXPECT_TRUE(threw_on_worker.load());
      ++worker_threw;
    }
    ASSERT_EQ(sum_of_indices(pool, 4096), 4095 * 4096 / 2);
  }
  EXPECT_GT(worker_threw, 0) << "no worker ever ran a chunk: the test proved nothing";
}

TEST(ThreadPoolExceptions, NoMoreChunksAfterTheFirstThrow) {
  ThreadPool pool(2);
  std::atomic<int> after{0};
  std::atomic<bool> thrown{false};
  EXPECT_THROW(pool.parallel_for(
                   100000,
                   [&](int64_t, int64_t) {
                     if (thrown.exchange(true)) ++after;
                     throw std::runtime_error("first");
                   },
                   1, Schedule::kEqualChunks),
               std::runtime_error);
  // 8 equal chunks: at most the chunks already claimed when the first throw landed also ran.
  EXPECT_LT(after.load(), 7);
}

}  // namespace
}  // namespace hearth

#include "core/thread_pool.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include <algorithm>

#include "hearth/cpu.hpp"

namespace hearth {
namespace {

// The spin-wait hint: pause on x86, yield on ARM (the other hardware thread or the hypervisor
// may run meanwhile).
inline void spin_pause() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

// About 0.1-0.5 ms of pause instructions before sleeping: long enough to bridge the gap between
// two loops of a forward pass, short enough not to burn a core when the model is idle.
constexpr int kSpinIterations = 1 << 12;

}  // namespace

ThreadPool::ThreadPool(int n_threads) {
  if (n_threads <= 0) n_threads = std::max(1, cpu_features().logical_cores);
  n_threads_ = n_threads;
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this] { worker(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

// kGuided: each claim takes 1 / threads of the units left, so the first chunks are large and
// the last ones small: threads finish within a small chunk of each other, with few claims.
// Measured on decode (2 threads, smollm2 Q4_0): +5% over 4 equal chunks per thread (a chunk of
// rows starts with cold lines: fewer, longer runs stream better); 1 / (2 threads) per claim was
// in between, 1 / (4 threads) no better than equal chunks.
// kEqualChunks: 4 chunks per thread, for tasks ordered by decreasing cost (the first half of the
// units may be most of the work).
void ThreadPool::run_chunks() {
  int64_t u = next_unit_.load(std::memory_order_relaxed);
  for (;;) {
    int64_t take;
    do {
      const int64_t left = n_units_ - u;
      if (left <= 0) return;
      take = chunk_units_ ? std::min(left, chunk_units_) : std::max<int64_t>(1, left / n_threads_);
    } while (!next_unit_.compare_exchange_weak(u, u + take, std::memory_order_relaxed));
    try {
      (*job_)(u * grain_, std::min(n_, (u + take) * grain_));
    } catch (...) {
      // The barrier: keep the first exception for the caller and hand out no more chunks.
      if (!failed_.exchange(true)) error_ = std::current_exception();
      next_unit_.store(n_units_, std::memory_order_relaxed);
      return;
    }
    u = next_unit_.load(std::memory_order_relaxed);
  }
}

// True when a new job arrived, false on stop. Spins first, then sleeps. The sleeping counter and
// the generation are seq_cst atomics on both sides, so the caller either sees the sleeper and
// notifies under the mutex, or the sleeper sees the new generation before it blocks.
bool ThreadPool::wait_for_job(uint64_t seen) {
  for (int i = 0; i < kSpinIterations; ++i) {
    if (generation_.load(std::memory_order_acquire) != seen) return true;
    if (stop_.load(std::memory_order_relaxed)) return false;
    spin_pause();
  }
  std::unique_lock<std::mutex> lock(mu_);
  sleeping_workers_.fetch_add(1);
  wake_.wait(lock, [&] { return stop_.load() || generation_.load() != seen; });
  sleeping_workers_.fetch_sub(1);
  return !stop_.load();
}

void ThreadPool::worker() {
  uint64_t seen = 0;
  for (;;) {
    if (!wait_for_job(seen)) return;
    seen = generation_.load(std::memory_order_acquire);
    active_.fetch_add(1);  // seq_cst, paired with the caller's close of open_gen_
    if (open_gen_.load() == seen) run_chunks();
    if (active_.fetch_sub(1) == 1 && caller_sleeping_.load()) {
      std::lock_guard<std::mutex> lock(mu_);
      done_.notify_one();
    }
  }
}

void ThreadPool::parallel_for(int64_t n, RangeFn fn, int64_t grain, Schedule schedule) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  const int64_t units = (n + grain - 1) / grain;
  if (n_threads_ == 1 || units <= 1 || busy_.exchange(true)) {
    fn(0, n);  // single chunk, single thread, or a nested call: inline
    return;
  }
  job_ = &fn;
  n_ = n;
  grain_ = grain;
  n_units_ = units;
  const int64_t n_chunks = static_cast<int64_t>(n_threads_) * 4;
  chunk_units_ = schedule == Schedule::kGuided ? 0 : (units + n_chunks - 1) / n_chunks;
  next_unit_.store(0, std::memory_order_relaxed);
  failed_.store(false, std::memory_order_relaxed);
  error_ = nullptr;
  const uint64_t gen = generation_.load(std::memory_order_relaxed) + 1;
  open_gen_.store(gen);
  generation_.store(gen);  // seq_cst: publishes the job
  if (sleeping_workers_.load() > 0) {
    std::lock_guard<std::mutex> lock(mu_);
    wake_.notify_all();
  }
  run_chunks();
  open_gen_.store(0);  // every chunk is taken: late workers must not join any more
  for (int i = 0; i < kSpinIterations && active_.load(std::memory_order_acquire) != 0; ++i)
    spin_pause();
  if (active_.load() != 0) {
    std::unique_lock<std::mutex> lock(mu_);
    caller_sleeping_.store(true);
    done_.wait(lock, [&] { return active_.load() == 0; });
    caller_sleeping_.store(false);
  }
  job_ = nullptr;
  std::exception_ptr error = failed_.load() ? std::move(error_) : nullptr;
  error_ = nullptr;
  busy_.store(false, std::memory_order_release);
  if (error) std::rethrow_exception(error);
}

void parallel_for(ThreadPool* pool, int64_t n, RangeFn fn, int64_t grain, Schedule schedule) {
  if (pool && pool->size() > 1 && n > grain)
    pool->parallel_for(n, fn, grain, schedule);
  else if (n > 0)
    fn(0, n);
}

}  // namespace hearth

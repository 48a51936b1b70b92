// A small persistent thread pool for the many short parallel loops of a forward pass (a tiny
// model runs thousands per second): parallel_for splits [0, n) into chunks of decreasing size
// (each 1 / threads of what is left) that the calling thread and the workers claim from a shared
// counter, and the caller never waits for a worker the
// OS has not scheduled yet (on a busy machine that would cost a time slice per loop).
// Between calls workers spin briefly (the next loop usually follows within microseconds), then
// sleep on a condition variable, so an idle pool costs nothing. No allocation per call: the
// loop body is passed by reference (FunctionRef), never copied into a std::function.
// Exceptions: a chunk that throws (std::bad_alloc included) on any thread stops the hand-out of
// further chunks; parallel_for waits for the chunks already running and rethrows the first
// exception on the calling thread. The pool stays usable; no exception ends a worker thread
// (which would call std::terminate).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace hearth {

// A non-owning reference to a callable taking (begin, end); valid while the callable lives.
class RangeFn {
 public:
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, RangeFn>>>
  RangeFn(F&& f)  // NOLINT: implicit, so lambdas pass directly
      : obj_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* o, int64_t b, int64_t e) {
          (*static_cast<std::remove_reference_t<F>*>(o))(b, e);
        }) {}
  void operator()(int64_t b, int64_t e) const { call_(obj_, b, e); }

 private:
  void* obj_;
  void (*call_)(void*, int64_t, int64_t);
};

// How parallel_for hands out chunks (thread_pool.cpp says what each was measured for).
enum class Schedule {
  kGuided,       // each claim takes 1 / threads of what is left: large chunks first
  kEqualChunks,  // four equal chunks per thread: for tasks ordered by decreasing cost
};

class ThreadPool {
 public:
  // n_threads <= 0: one per logical core.
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Calls fn(begin, end) on disjoint chunks covering [0, n) exactly once each; chunk bounds are
  // multiples of `grain` (except the end). Returns when all chunks are done, or rethrows the
  // first exception a chunk threw (then some chunks may not have run). Not re-entrant:
  // one parallel_for at a time per pool (a nested call from inside fn runs inline).
  void parallel_for(int64_t n, RangeFn fn, int64_t grain = 1,
                    Schedule schedule = Schedule::kGuided);

 private:
  void worker();
  void run_chunks();
  bool wait_for_job(uint64_t seen);

  int n_threads_;
  std::vector<std::thread> workers_;
  // The current job, written by the caller before generation_ is bumped.
  const RangeFn* job_ = nullptr;
  int64_t n_ = 0, grain_ = 1, n_units_ = 0;  // [0, n) in n_units_ units of grain_
  int64_t chunk_units_ = 0;                  // kEqualChunks: units per claim; 0: kGuided
  std::atomic<int64_t> next_unit_{0};
  std::atomic<uint64_t> generation_{0};
  // Workers inside the current job. A worker joins only while the job is open (open_gen_ equals
  // its generation); the caller closes the job once every chunk is taken and then waits only for
  // the workers that joined, never for one the OS has not scheduled yet.
  std::atomic<int> active_{0};
  std::atomic<uint64_t> open_gen_{0};
  std::atomic<bool> stop_{false};
  std::atomic<int> sleeping_workers_{0};
  std::atomic<bool> caller_sleeping_{false};
  std::atomic<bool> busy_{false};
  // The first exception of the current job (written once, by the thread that set failed_;
  // read by the caller after every joined worker left: active_ orders the two).
  std::atomic<bool> failed_{false};
  std::exception_ptr error_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
};

// fn(begin, end) over [0, n): on the pool when given (and n is worth splitting), else inline.
void parallel_for(ThreadPool* pool, int64_t n, RangeFn fn, int64_t grain = 1,
                  Schedule schedule = Schedule::kGuided);

}  // namespace hearth

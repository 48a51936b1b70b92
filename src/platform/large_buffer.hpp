// Large, long-lived buffers (repacked weights): 2 MiB-aligned anonymous memory, filled with pages
// ahead of writing, in huge pages where the OS offers them and they come quickly.
// Platform code: the only place that knows how (large_buffer_posix.cpp: mmap + madvise;
// large_buffer_win32.cpp: _aligned_malloc).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace hearth::platform {

// A zero-initialised buffer of at least `bytes` bytes, 2 MiB aligned; null when memory runs out.
// The deleter releases it.
std::shared_ptr<uint8_t> allocate_large_buffer(size_t bytes);

// Backs parts of one such buffer with memory ahead of writing them: one kernel pass per range
// instead of a fault per 4 KiB page (Linux MADV_POPULATE_WRITE; a no-op elsewhere or on older
// kernels).
// On Linux it first asks for transparent huge pages (MADV_HUGEPAGE): 2 MiB per fault, about 6x
// faster to populate when free huge pages are at hand. They are not always: under a hypervisor
// that takes back free memory (virtio-balloon free page reporting, as on the Firecracker VMs
// hearth is benchmarked on) or where the kernel must first compact memory, each huge page can
// stall for milliseconds (measured: 0.6-1.9 s for 500 MiB, against 0.19 s in 4 KiB pages, with
// /proc/vmstat's compact_stall still 0: the host faulting the memory back in). So
// the populating is timed in 2 MiB steps (wall-clock time: the host's stall does not count as
// the guest thread's CPU time, so a CPU-time timer missed it - llama3.2-1b Q8_0 loads of 0.8-2.2
// s) and after the first slow step the rest of the buffer goes back to 4 KiB pages
// (MADV_NOHUGEPAGE): the worst case costs one stalled step per thread (a few milliseconds) over
// 4 KiB pages throughout. A step slowed by the machine's other load only turns huge pages off
// early (the old behaviour), which is why the limit is well above a 4 KiB-page step.
// All calls are hints: failure is harmless, the writes then fault the pages in.
// Thread-safe: several threads may populate disjoint ranges of the buffer at once.
class LargeBufferFiller {
 public:
  // A step of 2 MiB that takes longer than this (wall clock) counts as slow (measured on the
  // 2-core EPYC VM: huge pages that come at once 0.1 ms, 4 KiB pages 0.7 ms, stalled huge
  // pages 5-6 ms).
  static constexpr double kSlowNsPerStep = 3.0e6;

  // For the whole buffer [base, base + bytes) from allocate_large_buffer. `slow_ns_per_step`
  // is for tests (0: every step is slow).
  LargeBufferFiller(uint8_t* base, size_t bytes, double slow_ns_per_step = kSlowNsPerStep) noexcept;

  // Backs [p, p + n), inside the buffer, with memory.
  void populate(uint8_t* p, size_t n) noexcept;

  // Whether huge pages are still asked for (false once they proved slow, or where the
  // platform has none to ask for).
  bool huge_pages() const noexcept { return huge_.load(std::memory_order_relaxed); }

 private:
  uint8_t* base_;
  size_t bytes_;
  double slow_ns_per_step_;
  std::atomic<bool> huge_{false};
};

}  // namespace hearth::platform

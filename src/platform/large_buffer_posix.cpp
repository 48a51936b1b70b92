// POSIX (Linux, macOS): anonymous mmap, zero-filled by the OS and untouched until used; on Linux
// populated ahead of the writes, in transparent huge pages while they come quickly.
#include <sys/mman.h>
#include <time.h>

#include <algorithm>
#include <cstdint>

#include "platform/large_buffer.hpp"

namespace hearth::platform {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

#if defined(__linux__)
constexpr int kPopulateWrite = 23;  // MADV_POPULATE_WRITE (Linux 5.14+), absent from older headers

void populate_pages(uint8_t* p, size_t n) noexcept {
  const auto start = reinterpret_cast<uintptr_t>(p) & ~uintptr_t{4095};
  madvise(reinterpret_cast<void*>(start), reinterpret_cast<uintptr_t>(p) + n - start,
          kPopulateWrite);
}

double wall_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}
#endif

}  // namespace

std::shared_ptr<uint8_t> allocate_large_buffer(size_t bytes) {
  const size_t size = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  if (size == 0) return nullptr;
  // Over-allocate by one huge page and trim, so the buffer starts on a huge-page boundary.
  void* raw =
      mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + kHugePage - 1) / kHugePage * kHugePage;
  if (aligned > start) munmap(raw, aligned - start);
  const uintptr_t end = start + size + kHugePage;
  if (end > aligned + size) munmap(reinterpret_cast<void*>(aligned + size), end - aligned - size);
  auto* p = reinterpret_cast<uint8_t*>(aligned);
  return std::shared_ptr<uint8_t>(p, [size](uint8_t* q) { munmap(q, size); });
}

LargeBufferFiller::LargeBufferFiller(uint8_t* base, size_t bytes, double slow_ns_per_step) noexcept
    : base_(base), bytes_(bytes), slow_ns_per_step_(slow_ns_per_step) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // Fails (EINVAL) where the kernel has no transparent huge pages: then 4 KiB pages throughout.
  huge_ = bytes_ > 0 && madvise(base_, bytes_, MADV_HUGEPAGE) == 0;
#endif
}

void LargeBufferFiller::populate(uint8_t* p, size_t n) noexcept {
#if defined(__linux__)
  uint8_t* const end = p + n;
  // Huge pages: 2 MiB steps on 2 MiB boundaries, each timed.
  while (p < end && huge_pages()) {
    const auto next = (reinterpret_cast<uintptr_t>(p) / kHugePage + 1) * kHugePage;
    uint8_t* const step_end = std::min(end, reinterpret_cast<uint8_t*>(next));
    const double t0 = wall_ns();
    populate_pages(p, static_cast<size_t>(step_end - p));
    const double ns = wall_ns() - t0;
    // Judged as a whole step even when partial (the loader's chunks do not end on 2 MiB
    // boundaries): its first touch faults in the whole huge page all the same.
    if (ns > slow_ns_per_step_ && huge_.exchange(false)) {
#if defined(MADV_NOHUGEPAGE)
      // The huge pages already in place stay; the rest comes in 4 KiB pages.
      madvise(base_, bytes_, MADV_NOHUGEPAGE);
#endif
    }
    p = step_end;
  }
  if (p < end) populate_pages(p, static_cast<size_t>(end - p));
#else
  (void)p;
  (void)n;
  (void)base_;
  (void)bytes_;
  (void)slow_ns_per_step_;
#endif
}

}  // namespace hearth::platform

// Large, long-lived buffers (repacked weights): 2 MiB-aligned anonymous memory, so that the OS
// can back it with huge pages where transparent huge pages are on (fewer faults and TLB misses).
// Platform code: the only place that knows how (large_buffer_posix.cpp: mmap;
// large_buffer_win32.cpp: _aligned_malloc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace hearth::platform {

// A zero-initialised buffer of at least `bytes` bytes, 2 MiB aligned; null when memory runs out.
// The deleter releases it.
std::shared_ptr<uint8_t> allocate_large_buffer(size_t bytes);

// Asks the OS to back [p, p + n) of such a buffer with memory now, ahead of writing it: one
// kernel pass for the range instead of a fault per page (Linux MADV_POPULATE_WRITE; a no-op
// elsewhere or on older kernels). A hint: failure is harmless, the writes fault the pages in.
void populate_large_buffer(uint8_t* p, size_t n) noexcept;

}  // namespace hearth::platform

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

}  // namespace hearth::platform

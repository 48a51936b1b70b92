// Windows: _aligned_malloc, zeroed here. (VirtualAlloc would give zeroed pages lazily but only
// 64 KiB aligned, and a region cannot be trimmed to an aligned part; large pages would need the
// SeLockMemoryPrivilege, which ordinary accounts lack. The buffers are filled right after
// allocation anyway, so zeroing touches nothing that would stay untouched.)
#include <malloc.h>

#include <cstring>

#include "platform/large_buffer.hpp"

namespace hearth::platform {

std::shared_ptr<uint8_t> allocate_large_buffer(size_t bytes) {
  constexpr size_t kAlign = size_t{2} << 20;
  const size_t size = (bytes + kAlign - 1) / kAlign * kAlign;
  if (size == 0) return nullptr;
  auto* p = static_cast<uint8_t*>(_aligned_malloc(size, kAlign));
  if (!p) return nullptr;
  std::memset(p, 0, size);
  return std::shared_ptr<uint8_t>(p, [](uint8_t* q) { _aligned_free(q); });
}

LargeBufferFiller::LargeBufferFiller(uint8_t* base, size_t bytes, double slow_ns_per_step) noexcept
    : base_(base), bytes_(bytes), slow_ns_per_step_(slow_ns_per_step) {}

void LargeBufferFiller::populate(uint8_t*, size_t) noexcept {
  // Already written by the memset; no huge pages to ask for (see the comment at the top).
  (void)base_;
  (void)bytes_;
  (void)slow_ns_per_step_;
}

}  // namespace hearth::platform

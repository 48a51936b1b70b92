// platform::LargeBufferFiller: huge pages while they come quickly, 4 KiB pages once a 2 MiB step
// proved slow. Read back through the kernel's own accounting (/proc/self/smaps), Linux only.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "platform/large_buffer.hpp"

using hearth::platform::allocate_large_buffer;
using hearth::platform::LargeBufferFiller;

namespace {

constexpr size_t kMiB = size_t{1} << 20;

#if defined(__linux__)
// KiB of anonymous huge pages in the mappings that overlap [p, p + n), from /proc/self/smaps.
size_t huge_kib_in(const uint8_t* p, size_t n) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  size_t kib = 0;
  const auto lo = reinterpret_cast<uintptr_t>(p), hi = lo + n;
  while (std::getline(smaps, line)) {
    unsigned long start = 0, end = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> start >> dash >> end && dash == '-') {
      inside = start < hi && end > lo;
      continue;
    }
    if (inside && line.rfind("AnonHugePages:", 0) == 0)
      kib += std::stoul(line.substr(std::strlen("AnonHugePages:")));
  }
  return kib;
}

bool thp_available() {
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string s;
  std::getline(f, s);
  return s.find("[never]") == std::string::npos && !s.empty();
}
#endif

}  // namespace

TEST(LargeBuffer, PopulatedFromTwoThreadsReadsZeroAndKeepsWrites) {
  const size_t n = 24 * kMiB + 12345;
  auto buf = allocate_large_buffer(n);
  ASSERT_TRUE(buf);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(buf.get()) % (2 * kMiB), 0u);
  LargeBufferFiller filler(buf.get(), n);
  // Ranges not on 2 MiB boundaries, as the loader's chunks are.
  const size_t half = 11 * kMiB + 4097;
  std::thread t([&] { filler.populate(buf.get() + half, n - half); });
  filler.populate(buf.get(), half);
  t.join();
  for (size_t i = 0; i < n; i += 4093) ASSERT_EQ(buf.get()[i], 0) << i;
  std::memset(buf.get(), 0x5a, n);
  for (size_t i = 0; i < n; i += 4093) ASSERT_EQ(buf.get()[i], 0x5a) << i;
}

#if defined(__linux__)
TEST(LargeBuffer, FastStepsKeepHugePages) {
  if (!thp_available()) GTEST_SKIP() << "transparent huge pages are off on this machine";
  const size_t n = 16 * kMiB;
  auto buf = allocate_large_buffer(n);
  ASSERT_TRUE(buf);
  LargeBufferFiller filler(buf.get(), n, 1e18);  // no step is ever slow
  ASSERT_TRUE(filler.huge_pages());
  filler.populate(buf.get(), n);
  EXPECT_TRUE(filler.huge_pages());
  // The kernel may lack free huge pages (fragmented memory where defrag is off): at least one.
  EXPECT_GE(huge_kib_in(buf.get(), n), 2048u);
}

TEST(LargeBuffer, ASlowStepTurnsHugePagesOff) {
  if (!thp_available()) GTEST_SKIP() << "transparent huge pages are off on this machine";
  const size_t n = 16 * kMiB;
  auto buf = allocate_large_buffer(n);
  ASSERT_TRUE(buf);
  LargeBufferFiller filler(buf.get(), n, 0);  // every step is slow
  ASSERT_TRUE(filler.huge_pages());
  filler.populate(buf.get(), n);
  EXPECT_FALSE(filler.huge_pages());
  // The probing step (2 MiB) may have a huge page; nothing after it.
  EXPECT_LE(huge_kib_in(buf.get(), n), 2 * 1024u);
  std::memset(buf.get(), 1, n);
  EXPECT_LE(huge_kib_in(buf.get(), n), 2 * 1024u);
}
#endif

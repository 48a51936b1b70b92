// AArch64 CPU detection against an independent reference: the CPU model qemu-aarch64 emulates.
// scripts/test-arm64.sh runs the suite under several QEMU_CPU models and sets HEARTH_EXPECT_ISA
// from qemu's own definition of each (cortex-a72: Armv8.0, NEON only; neoverse-n1: Armv8.2 with
// DotProd; max: every extension qemu has, I8MM included), so HWCAP reading and the level logic
// are checked against what the "hardware" really offers. Without the variable (x86, a native ARM
// run) the test checks what holds everywhere.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "hearth/cpu.hpp"
#include "kernels/kernel_table.hpp"

namespace hearth {
namespace {

TEST(CpuDetection, LevelMatchesTheCpuModel) {
  const auto& f = cpu_features();
#if defined(__aarch64__)
  EXPECT_TRUE(f.neon) << "Advanced SIMD is part of every AArch64 core";
  EXPECT_TRUE(isa_supported(Isa::kNeon));
  EXPECT_FALSE(isa_supported(Isa::kAvx2));
  EXPECT_NE(system_info().find("NEON = 1"), std::string::npos) << system_info();
#else
  EXPECT_FALSE(isa_supported(Isa::kNeon)) << "a build runs its own architecture's kernels only";
  EXPECT_FALSE(isa_supported(Isa::kNeonDotprod));
  EXPECT_FALSE(isa_supported(Isa::kNeonI8mm));
  EXPECT_FALSE(f.neon);
#endif
  EXPECT_EQ(isa_supported(Isa::kNeonDotprod), f.neon && f.dotprod);
  EXPECT_EQ(isa_supported(Isa::kNeonI8mm), f.neon && f.dotprod && f.i8mm);
  if (const char* want = std::getenv("HEARTH_EXPECT_ISA")) {
    EXPECT_STREQ(isa_name(best_supported_isa()), want) << system_info();
    // The kernels in use: the best level, unless HEARTH_FORCE_ISA lowered it.
    if (!std::getenv("HEARTH_FORCE_ISA")) {
      EXPECT_STREQ(isa_name(kernels::active_kernels().isa), want);
    }
  }
}

TEST(CpuDetection, IsaNamesRoundTrip) {
  // HEARTH_FORCE_ISA takes these names (docs/platforms.md); every level has its own.
  EXPECT_STREQ(isa_name(Isa::kNeon), "neon");
  EXPECT_STREQ(isa_name(Isa::kNeonDotprod), "neon-dotprod");
  EXPECT_STREQ(isa_name(Isa::kNeonI8mm), "neon-i8mm");
  EXPECT_STREQ(isa_name(Isa::kAvx512), "avx512");
}

}  // namespace
}  // namespace hearth

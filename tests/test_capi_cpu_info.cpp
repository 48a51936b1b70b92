// hearth_cpu_info_get: every field is what the library detected (hearth::cpu_features()), and a
// caller with the older, smaller struct (ending at isa_level) is never written past its size.
// Named CpuDetection.* so scripts/test-arm64.sh runs it under each emulated CPU model, where the
// AArch64 fields are the ones that vary.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>

#include "hearth.h"
#include "hearth/cpu.hpp"

TEST(CpuDetection, CApiReportsTheDetectedFeatures) {
  hearth_cpu_info info;
  std::memset(&info, 0x7f, sizeof info);
  info.struct_size = sizeof info;
  ASSERT_EQ(hearth_cpu_info_get(&info), HEARTH_OK) << hearth_last_error();
  const hearth::CpuFeatures& f = hearth::cpu_features();
  EXPECT_EQ(info.avx2, f.avx2);
  EXPECT_EQ(info.avx512f, f.avx512f);
  EXPECT_EQ(info.avx512_vnni, f.avx512vnni);
  EXPECT_EQ(info.avx_vnni, f.avx_vnni);
  EXPECT_EQ(info.logical_cores, f.logical_cores);
  EXPECT_EQ(info.neon, f.neon);
  EXPECT_EQ(info.neon_dotprod, f.dotprod);
  EXPECT_EQ(info.neon_i8mm, f.i8mm);
  EXPECT_EQ(info.neon_fp16, f.fp16);
  EXPECT_EQ(info.neon_bf16, f.bf16);
  EXPECT_EQ(info.sve, f.sve);
#if defined(__aarch64__)
  EXPECT_EQ(info.neon, 1);  // Advanced SIMD is part of every AArch64 CPU
  EXPECT_EQ(info.avx2, 0);
#elif defined(__x86_64__)
  EXPECT_EQ(info.neon + info.neon_dotprod + info.neon_i8mm + info.sve, 0);
#endif
}

TEST(CpuDetection, CApiOlderSmallerStructIsNotOverrun) {
  // The struct as it was before the AArch64 fields: it ended at isa_level.
  const size_t old_size = offsetof(hearth_cpu_info, neon);
  hearth_cpu_info info;
  std::memset(&info, 0x5a, sizeof info);
  info.struct_size = old_size;
  ASSERT_EQ(hearth_cpu_info_get(&info), HEARTH_OK) << hearth_last_error();
  EXPECT_EQ(info.logical_cores, hearth::cpu_features().logical_cores);
  const auto* bytes = reinterpret_cast<const unsigned char*>(&info);
  for (size_t i = old_size; i < sizeof info; ++i)
    ASSERT_EQ(bytes[i], 0x5a) << "byte " << i << " past the caller's struct was written";
}

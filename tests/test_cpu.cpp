#include <gtest/gtest.h>

#include "hearth/cpu.hpp"

using namespace hearth;

TEST(Cpu, FeaturesAreConsistent) {
  const auto& f = cpu_features();
  EXPECT_GE(f.logical_cores, 1);
  EXPECT_TRUE(!f.avx512vnni || f.avx512f);
  EXPECT_TRUE(!f.avx512f || f.avx2);
  EXPECT_TRUE(!f.avx2 || f.avx);
  // The ISA in use never exceeds what the CPU supports.
  EXPECT_LE(static_cast<int>(active_isa()), static_cast<int>(best_supported_isa()));
  EXPECT_NE(system_info().find("ISA = "), std::string::npos);
}

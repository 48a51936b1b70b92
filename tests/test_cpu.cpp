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
  EXPECT_TRUE(isa_supported(active_isa()));
  EXPECT_TRUE(isa_supported(best_supported_isa()));
  EXPECT_TRUE(isa_supported(Isa::kScalar));
  // avxvnni is the 256-bit VNNI on top of avx2; avx512 does not imply it.
  EXPECT_TRUE(!isa_supported(Isa::kAvxVnni) || (f.avx_vnni && isa_supported(Isa::kAvx2)));
  EXPECT_NE(system_info().find("ISA = "), std::string::npos);
}

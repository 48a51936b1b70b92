// The per-architecture half of cpu_features(): cpu_x86.cpp (CPUID), cpu_arm.cpp (HWCAP /
// sysctlbyname), or neither (no SIMD features known). Exactly one definition is compiled in.
#pragma once

#include "hearth/cpu.hpp"

namespace hearth::detail {

// The SIMD features and the brand string; cores are filled in by cpu_features().
CpuFeatures detect_cpu_features();

}  // namespace hearth::detail

// Runtime CPU feature detection (x86: CPUID; AArch64: the kernel's HWCAP bits on Linux,
// sysctlbyname("hw.optional...") on macOS) and the ISA level kernels dispatch on.
#pragma once

#include <string>

namespace hearth {

struct CpuFeatures {
  bool sse3 = false, ssse3 = false, avx = false, avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
  bool avx512vnni = false, avx512bf16 = false, avx_vnni = false;
  bool amx_tile = false, amx_int8 = false, amx_bf16 = false;
  // AArch64: NEON (Advanced SIMD, always present there), the sdot/udot dot products, the smmla
  // int8 matrix multiply, half-precision arithmetic, the BF16 instructions and SVE.
  bool neon = false, dotprod = false, i8mm = false, fp16 = false, bf16 = false, sve = false;
  int logical_cores = 1;
  int physical_cores = 1;  // best effort; equals logical_cores when unknown
  std::string brand;
};

// Kernel families, ordered by what they bring: avx2 (AVX2 + FMA + F16C), avxvnni (avx2 plus the
// 256-bit VEX vpdpbusd), avx512 (F/BW/VL/DQ/VNNI). A machine that runs a level runs every lower
// one except avxvnni, which AVX-512 VNNI does not imply (Ice Lake, Zen 4 lack AVX-VNNI):
// isa_supported() says which levels this CPU runs.
// AArch64: neon (Advanced SIMD), neon-dotprod (+ sdot/udot), neon-i8mm (+ smmla), each implying
// the ones before it. A build has the kernels of its own architecture only.
enum class Isa : int {
  kScalar = 0,
  kAvx2 = 1,
  kAvxVnni = 2,
  kAvx512 = 3,
  kNeon = 4,
  kNeonDotprod = 5,
  kNeonI8mm = 6
};

const CpuFeatures& cpu_features();  // detected once, thread-safe
const char* isa_name(Isa isa);
bool isa_supported(Isa isa);  // whether the CPU (and OS) can run that level's kernels
Isa best_supported_isa();     // highest supported level
// The level kernels use: best_supported_isa(), lowered by
// HEARTH_FORCE_ISA=scalar|avx2|avxvnni|avx512|neon|neon-dotprod|neon-i8mm (a forced level the CPU
// does not support falls to the highest supported level below it in its family, with a warning
// on stderr).
Isa active_isa();
// Human-readable summary, e.g. "AVX2 = 1 | AVX512_VNNI = 1 | ... | ISA = avx512 | cores = 2".
std::string system_info();

}  // namespace hearth

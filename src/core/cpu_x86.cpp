// x86-64 feature detection: CPUID, and XGETBV for the register state the OS saves.
#if defined(__x86_64__) || defined(__i386__)

#include <cpuid.h>

#include <cstring>

#include "core/cpu_detect.hpp"

namespace hearth::detail {
namespace {

uint64_t xgetbv0() {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

}  // namespace

CpuFeatures detect_cpu_features() {
  CpuFeatures f;
  unsigned a = 0, b = 0, c = 0, d = 0;
  const unsigned max_leaf = __get_cpuid_max(0, nullptr);
  if (max_leaf >= 1 && __get_cpuid(1, &a, &b, &c, &d)) {
    f.sse3 = c & bit_SSE3;
    f.ssse3 = c & bit_SSSE3;
    f.fma = c & bit_FMA;
    f.f16c = c & bit_F16C;
    const bool osxsave = c & bit_OSXSAVE;
    const uint64_t xcr0 = osxsave ? xgetbv0() : 0;
    const bool os_avx = (xcr0 & 0x6) == 0x6;          // XMM + YMM state
    const bool os_avx512 = (xcr0 & 0xe6) == 0xe6;     // + opmask, ZMM state
    const bool os_amx = (xcr0 & 0x60000) == 0x60000;  // XTILECFG + XTILEDATA
    f.avx = (c & bit_AVX) && os_avx;
    f.fma = f.fma && os_avx;
    f.f16c = f.f16c && os_avx;
    if (max_leaf >= 7) {
      __cpuid_count(7, 0, a, b, c, d);
      f.avx2 = (b & bit_AVX2) && os_avx;
      f.avx512f = (b & bit_AVX512F) && os_avx512;
      f.avx512dq = (b & bit_AVX512DQ) && os_avx512;
      f.avx512bw = (b & bit_AVX512BW) && os_avx512;
      f.avx512vl = (b & bit_AVX512VL) && os_avx512;
      f.avx512vnni = (c & bit_AVX512VNNI) && os_avx512;
      f.amx_bf16 = (d & (1u << 22)) && os_amx;
      f.amx_tile = (d & (1u << 24)) && os_amx;
      f.amx_int8 = (d & (1u << 25)) && os_amx;
      __cpuid_count(7, 1, a, b, c, d);
      f.avx_vnni = (a & (1u << 4)) && os_avx;
      f.avx512bf16 = (a & (1u << 5)) && os_avx512;
    }
  }
  char brand[49] = {0};
  if (static_cast<unsigned>(__get_cpuid_max(0x80000000, nullptr)) >= 0x80000004u) {
    for (unsigned leaf = 0; leaf < 3; ++leaf) {
      __get_cpuid(0x80000002 + leaf, &a, &b, &c, &d);
      std::memcpy(brand + leaf * 16 + 0, &a, 4);
      std::memcpy(brand + leaf * 16 + 4, &b, 4);
      std::memcpy(brand + leaf * 16 + 8, &c, 4);
      std::memcpy(brand + leaf * 16 + 12, &d, 4);
    }
  }
  f.brand = brand;
  while (!f.brand.empty() && f.brand.back() == ' ') f.brand.pop_back();
  return f;
}

}  // namespace hearth::detail

#endif  // x86

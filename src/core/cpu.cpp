#include "hearth/cpu.hpp"

#include <cpuid.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "core/log.hpp"
#include "kernels/kernel_table.hpp"

namespace hearth {
namespace {

uint64_t xgetbv0() {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

CpuFeatures detect() {
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
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  f.logical_cores =
      n > 0 ? static_cast<int>(n) : static_cast<int>(std::thread::hardware_concurrency());
  if (f.logical_cores < 1) f.logical_cores = 1;
  f.physical_cores = f.logical_cores;
  return f;
}

Isa parse_forced_isa(Isa best) {
  const char* env = std::getenv("HEARTH_FORCE_ISA");
  if (!env || !*env) return best;
  Isa want;
  if (!std::strcmp(env, "scalar"))
    want = Isa::kScalar;
  else if (!std::strcmp(env, "avx2"))
    want = Isa::kAvx2;
  else if (!std::strcmp(env, "avxvnni"))
    want = Isa::kAvxVnni;
  else if (!std::strcmp(env, "avx512"))
    want = Isa::kAvx512;
  else {
    log(LogLevel::kWarn,
        fmt::format("ignoring HEARTH_FORCE_ISA={} (use scalar, avx2, avxvnni or avx512)", env));
    return best;
  }
  if (isa_supported(want)) return want;
  // The highest supported level below the one asked for (avx512 on Alder Lake: avxvnni; avxvnni
  // on Zen 4: avx2). Scalar is always supported.
  Isa got = want;
  while (!isa_supported(got)) got = static_cast<Isa>(static_cast<int>(got) - 1);
  log(LogLevel::kWarn, fmt::format("HEARTH_FORCE_ISA={} is not supported by this CPU; using {}",
                                   env, isa_name(got)));
  return got;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return "scalar";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvxVnni:
      return "avxvnni";
    case Isa::kAvx512:
      return "avx512";
  }
  return "?";
}

bool isa_supported(Isa isa) {
  const auto& f = cpu_features();
  const bool avx2 = f.avx2 && f.fma && f.f16c;
  switch (isa) {
    case Isa::kScalar:
      return true;
    case Isa::kAvx2:
      return avx2;
    case Isa::kAvxVnni:
      return avx2 && f.avx_vnni;
    case Isa::kAvx512:
      return avx2 && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.avx512vnni;
  }
  return false;
}

Isa best_supported_isa() {
  for (Isa isa : {Isa::kAvx512, Isa::kAvxVnni, Isa::kAvx2})
    if (isa_supported(isa)) return isa;
  return Isa::kScalar;
}

Isa active_isa() {
  static const Isa isa = parse_forced_isa(best_supported_isa());
  return isa;
}

std::string system_info() {
  const auto& f = cpu_features();
  return fmt::format(
      "AVX = {} | AVX2 = {} | FMA = {} | F16C = {} | AVX512 = {} | AVX512_VNNI = {} | "
      "AVX512_BF16 = {} | AVX_VNNI = {} | AMX_INT8 = {} | ISA = {} | kernels = {} | cores = {} | "
      "CPU = {}",
      int(f.avx), int(f.avx2), int(f.fma), int(f.f16c), int(f.avx512f), int(f.avx512vnni),
      int(f.avx512bf16), int(f.avx_vnni), int(f.amx_int8), isa_name(active_isa()),
      kernels::active_kernels().summary, f.logical_cores, f.brand);
}

}  // namespace hearth

// The portable half of CPU detection: the ISA levels, HEARTH_FORCE_ISA and system_info. The
// features come from detect_cpu_features() of this architecture (cpu_x86.cpp, cpu_arm.cpp).
#include "hearth/cpu.hpp"

#include <fmt/format.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "core/cpu_detect.hpp"
#include "core/log.hpp"
#include "kernels/kernel_table.hpp"
#include "platform/cpu_count.hpp"

namespace hearth {

#if !defined(__x86_64__) && !defined(__i386__) && !defined(__aarch64__) && !defined(_M_ARM64)
namespace detail {
// Another architecture: scalar kernels only.
CpuFeatures detect_cpu_features() {
  return CpuFeatures{};
}
}  // namespace detail
#endif

namespace {

CpuFeatures detect() {
  CpuFeatures f = detail::detect_cpu_features();
  const int n = platform::online_cpu_count();
  f.logical_cores = n > 0 ? n : static_cast<int>(std::thread::hardware_concurrency());
  if (f.logical_cores < 1) f.logical_cores = 1;
  f.physical_cores = f.logical_cores;
  return f;
}

constexpr Isa kAllIsas[] = {Isa::kScalar, Isa::kAvx2,        Isa::kAvxVnni, Isa::kAvx512,
                            Isa::kNeon,   Isa::kNeonDotprod, Isa::kNeonI8mm};

bool is_arm(Isa isa) {
  return isa == Isa::kNeon || isa == Isa::kNeonDotprod || isa == Isa::kNeonI8mm;
}

// Whether this build carries the level's kernels (those of its own architecture only).
bool built_for(Isa isa) {
#if defined(__x86_64__) || defined(__i386__)
  return !is_arm(isa);
#elif defined(__aarch64__) || defined(_M_ARM64)
  return isa == Isa::kScalar || is_arm(isa);
#else
  return isa == Isa::kScalar && !is_arm(isa);
#endif
}

// The next lower level of the same family (scalar below the lowest one).
Isa lower(Isa isa) {
  if (isa == Isa::kNeon) return Isa::kScalar;
  return static_cast<Isa>(static_cast<int>(isa) - 1);
}

Isa parse_forced_isa(Isa best) {
  const char* env = std::getenv("HEARTH_FORCE_ISA");
  if (!env || !*env) return best;
  Isa want = Isa::kScalar;
  bool known = false;
  for (Isa isa : kAllIsas)
    if (!std::strcmp(env, isa_name(isa))) {
      want = isa;
      known = true;
    }
  if (!known) {
    log(LogLevel::kWarn, fmt::format("ignoring HEARTH_FORCE_ISA={} (use scalar, avx2, avxvnni, "
                                     "avx512, neon, neon-dotprod or neon-i8mm)",
                                     env));
    return best;
  }
  if (isa_supported(want)) return want;
  // The highest supported level below the one asked for in its family (avx512 on Alder Lake:
  // avxvnni; avxvnni on Zen 4: avx2; neon-i8mm on a Neoverse N1: neon-dotprod; an x86 level on
  // ARM: scalar). Scalar is always supported.
  Isa got = want;
  while (!isa_supported(got)) got = lower(got);
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
    case Isa::kNeon:
      return "neon";
    case Isa::kNeonDotprod:
      return "neon-dotprod";
    case Isa::kNeonI8mm:
      return "neon-i8mm";
  }
  return "?";
}

bool isa_supported(Isa isa) {
  if (!built_for(isa)) return false;
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
    case Isa::kNeon:
      return f.neon;
    case Isa::kNeonDotprod:
      return f.neon && f.dotprod;
    case Isa::kNeonI8mm:
      return f.neon && f.dotprod && f.i8mm;
  }
  return false;
}

Isa best_supported_isa() {
  for (Isa isa :
       {Isa::kAvx512, Isa::kAvxVnni, Isa::kAvx2, Isa::kNeonI8mm, Isa::kNeonDotprod, Isa::kNeon})
    if (isa_supported(isa)) return isa;
  return Isa::kScalar;
}

Isa active_isa() {
  static const Isa isa = parse_forced_isa(best_supported_isa());
  return isa;
}

std::string system_info() {
  const auto& f = cpu_features();
#if defined(__aarch64__) || defined(_M_ARM64)
  return fmt::format(
      "NEON = {} | ARM_FMA = {} | FP16_VA = {} | DOTPROD = {} | MATMUL_INT8 = {} | BF16 = {} | "
      "SVE = {} | ISA = {} | kernels = {} | cores = {} | CPU = {}",
      int(f.neon), int(f.neon), int(f.fp16), int(f.dotprod), int(f.i8mm), int(f.bf16), int(f.sve),
      isa_name(active_isa()), kernels::active_kernels().summary, f.logical_cores, f.brand);
#else
  return fmt::format(
      "AVX = {} | AVX2 = {} | FMA = {} | F16C = {} | AVX512 = {} | AVX512_VNNI = {} | "
      "AVX512_BF16 = {} | AVX_VNNI = {} | AMX_INT8 = {} | ISA = {} | kernels = {} | cores = {} | "
      "CPU = {}",
      int(f.avx), int(f.avx2), int(f.fma), int(f.f16c), int(f.avx512f), int(f.avx512vnni),
      int(f.avx512bf16), int(f.avx_vnni), int(f.amx_int8), isa_name(active_isa()),
      kernels::active_kernels().summary, f.logical_cores, f.brand);
#endif
}

}  // namespace hearth

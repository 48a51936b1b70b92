// AArch64 feature detection. NEON (Advanced SIMD) is part of the architecture; the optional
// extensions come from the OS, since user code cannot read the ID registers everywhere:
//   Linux:  getauxval(AT_HWCAP / AT_HWCAP2), the kernel's view (also what qemu-aarch64 reports
//           for its QEMU_CPU model, which is how the tests run every level here);
//   macOS:  sysctlbyname("hw.optional.arm.FEAT_*") (Apple M1 and later all have NEON, fp16,
//           dotprod; i8mm and bf16 from M2).
#if defined(__aarch64__) || defined(_M_ARM64)

#include <cstdio>
#include <cstring>

#include "core/cpu_detect.hpp"

#if defined(__APPLE__)
#include <sys/sysctl.h>
#include <sys/types.h>
#elif defined(__linux__)
#include <sys/auxv.h>
#endif

namespace hearth::detail {
namespace {

#if defined(__linux__) && !defined(__APPLE__)
// The HWCAP bits of the Linux arm64 ABI (arch/arm64/include/uapi/asm/hwcap.h), spelled out so
// that older C library headers build too.
constexpr unsigned long kHwcapAsimd = 1ul << 1;
constexpr unsigned long kHwcapAsimdHp = 1ul << 10;
constexpr unsigned long kHwcapAsimdDp = 1ul << 20;
constexpr unsigned long kHwcapSve = 1ul << 22;
constexpr unsigned long kHwcap2I8mm = 1ul << 13;
constexpr unsigned long kHwcap2Bf16 = 1ul << 14;

// "CPU part" style brand: the MIDR of cpu0 through sysfs when the kernel exposes it
// (qemu-user shows the host's files, so it may name the build machine's CPU: cosmetic only).
std::string read_brand() {
  std::string brand = "AArch64";
  if (FILE* f = std::fopen("/proc/cpuinfo", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, f)) {
      if (std::strncmp(line, "CPU part", 8) == 0 || std::strncmp(line, "model name", 10) == 0) {
        const char* colon = std::strchr(line, ':');
        if (colon) {
          brand += " (";
          brand += colon + 2;
          while (!brand.empty() && (brand.back() == '\n' || brand.back() == ' ')) brand.pop_back();
          brand += ")";
        }
        break;
      }
    }
    std::fclose(f);
  }
  return brand;
}
#endif

#if defined(__APPLE__)
bool sysctl_flag(const char* name) {
  int value = 0;
  size_t size = sizeof(value);
  return sysctlbyname(name, &value, &size, nullptr, 0) == 0 && value != 0;
}

std::string sysctl_string(const char* name) {
  char buf[128] = {0};
  size_t size = sizeof(buf) - 1;
  if (sysctlbyname(name, buf, &size, nullptr, 0) != 0) return "Apple silicon";
  return buf;
}
#endif

}  // namespace

CpuFeatures detect_cpu_features() {
  CpuFeatures f;
  f.neon = true;  // Advanced SIMD is mandatory in AArch64
#if defined(__APPLE__)
  f.fp16 = sysctl_flag("hw.optional.arm.FEAT_FP16") || sysctl_flag("hw.optional.neon_fp16");
  f.dotprod = sysctl_flag("hw.optional.arm.FEAT_DotProd");
  f.i8mm = sysctl_flag("hw.optional.arm.FEAT_I8MM");
  f.bf16 = sysctl_flag("hw.optional.arm.FEAT_BF16");
  f.sve = false;  // no Apple core has SVE
  f.brand = sysctl_string("machdep.cpu.brand_string");
#elif defined(__linux__)
  const unsigned long hwcap = getauxval(AT_HWCAP);
  const unsigned long hwcap2 = getauxval(AT_HWCAP2);
  f.neon = (hwcap & kHwcapAsimd) != 0;
  f.fp16 = (hwcap & kHwcapAsimdHp) != 0;
  f.dotprod = (hwcap & kHwcapAsimdDp) != 0;
  f.sve = (hwcap & kHwcapSve) != 0;
  f.i8mm = (hwcap2 & kHwcap2I8mm) != 0;
  f.bf16 = (hwcap2 & kHwcap2Bf16) != 0;
  f.brand = read_brand();
#else
  f.brand = "AArch64";
#endif
  return f;
}

}  // namespace hearth::detail

#endif  // AArch64

// A correctly rounded fmaf for the MinGW build. std::fma(float, float, float) in code built
// without -mfma (the scalar kernels, the reference every SIMD kernel is held to bit for bit)
// calls the C library's fmaf, and MinGW-w64's (libmingwex) is a software emulation that does
// not always round the way a hardware FMA does: the scalar and AVX2/AVX-512 attention kernels
// then disagree in the last bit (Isas/Kernels.Attention* under Wine). Defined here, this fmaf
// is linked instead of libmingwex's (a static archive member is only pulled for a symbol that
// is still undefined). glibc's fmaf is correctly rounded; nothing like this is needed there.
//
// Method: x * y is exact in double (24 + 24 bits < 53); the sum with z is computed in double
// rounded to odd (the one rounding of the addition, corrected with the exact TwoSum error), and
// rounding that to float gives the correctly rounded result, because double carries more than
// 24 + 2 bits (Boldo and Melquiond, "Emulation of FMA and correctly rounded sums: proved
// algorithms using rounding to odd", IEEE Trans. Computers 57(4), 2008).
#include <cmath>
#include <cstdint>
#include <cstring>

extern "C" float fmaf(float x, float y, float z) {
  const double p = static_cast<double>(x) * static_cast<double>(y);  // exact
  const double dz = z;
  double s = p + dz;
  if (!std::isfinite(s)) return static_cast<float>(s);  // infinities and NaNs propagate
  // TwoSum (Knuth): p + dz == s + err exactly.
  const double bp = s - p;
  const double err = (p - (s - bp)) + (dz - bp);
  if (err != 0) {
    uint64_t bits;
    std::memcpy(&bits, &s, sizeof bits);
    if ((bits & 1) == 0) {  // inexact and even: step one ulp toward the exact sum (now odd)
      bits += (err > 0) == (s > 0) ? 1 : static_cast<uint64_t>(-1);
      std::memcpy(&s, &bits, sizeof s);
    }
  }
  return static_cast<float>(s);
}

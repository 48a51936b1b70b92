// TEMPORARY weak fallbacks for the quant helper's functions (removed once src/quant lands).
#include <cmath>
#include <cstring>

#include "hearth/error.hpp"
#include "hearth/quant.hpp"

namespace hearth {

__attribute__((weak)) float fp16_to_fp32(fp16_t h) {
  const uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float f;
  if (exp == 0)
    f = std::ldexp(static_cast<float>(mant), -24);
  else if (exp == 31)
    f = mant ? NAN : INFINITY;
  else
    f = std::ldexp(static_cast<float>(mant | 0x400), static_cast<int>(exp) - 25);
  return sign ? -f : f;
}

__attribute__((weak)) fp16_t fp32_to_fp16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000;
  x &= 0x7fffffff;
  if (x >= 0x7f800000) return static_cast<fp16_t>(sign | (x > 0x7f800000 ? 0x7e00 : 0x7c00));
  if (x >= 0x477ff000) return static_cast<fp16_t>(sign | 0x7c00);  // rounds to inf
  if (x < 0x38800000) {                                            // subnormal or zero
    float a;
    std::memcpy(&a, &x, 4);
    const float scaled = a * 16777216.0f;  // 2^24
    return static_cast<fp16_t>(sign | static_cast<uint32_t>(std::nearbyint(scaled)));
  }
  uint32_t e = ((x >> 23) - 112) << 10, m = (x >> 13) & 0x3ff;
  uint32_t h = e | m;
  const uint32_t rest = x & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) ++h;
  return static_cast<fp16_t>(sign | h);
}

__attribute__((weak)) void dequantize_row(DType type, const void* src, float* dst, size_t n) {
  switch (type) {
    case DType::F32:
      std::memcpy(dst, src, n * 4);
      return;
    case DType::F16: {
      const fp16_t* s = static_cast<const fp16_t*>(src);
      for (size_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(s[i]);
      return;
    }
    case DType::Q8_0: {
      const BlockQ8_0* b = static_cast<const BlockQ8_0*>(src);
      for (size_t i = 0; i < n / 32; ++i)
        for (int j = 0; j < 32; ++j) dst[i * 32 + j] = fp16_to_fp32(b[i].d) * b[i].qs[j];
      return;
    }
    case DType::Q4_0: {
      const BlockQ4_0* b = static_cast<const BlockQ4_0*>(src);
      for (size_t i = 0; i < n / 32; ++i)
        for (int j = 0; j < 16; ++j) {
          dst[i * 32 + j] = fp16_to_fp32(b[i].d) * ((b[i].qs[j] & 0xf) - 8);
          dst[i * 32 + j + 16] = fp16_to_fp32(b[i].d) * ((b[i].qs[j] >> 4) - 8);
        }
      return;
    }
    case DType::Q4_K: {
      const BlockQ4_K* b = static_cast<const BlockQ4_K*>(src);
      for (size_t i = 0; i < n / 256; ++i) {
        const uint8_t* q = b[i].qs;
        for (int c = 0; c < 4; ++c, q += 32) {
          uint8_t sc, m;
          k_scale_min(2 * c, b[i].scales, &sc, &m);
          const float d1 = fp16_to_fp32(b[i].d) * sc, m1 = fp16_to_fp32(b[i].dmin) * m;
          k_scale_min(2 * c + 1, b[i].scales, &sc, &m);
          const float d2 = fp16_to_fp32(b[i].d) * sc, m2 = fp16_to_fp32(b[i].dmin) * m;
          for (int l = 0; l < 32; ++l) *dst++ = d1 * (q[l] & 0xF) - m1;
          for (int l = 0; l < 32; ++l) *dst++ = d2 * (q[l] >> 4) - m2;
        }
      }
      return;
    }
    case DType::Q6_K: {
      const BlockQ6_K* b = static_cast<const BlockQ6_K*>(src);
      for (size_t i = 0; i < n / 256; ++i) {
        const float d = fp16_to_fp32(b[i].d);
        const uint8_t* ql = b[i].ql;
        const uint8_t* qh = b[i].qh;
        const int8_t* sc = b[i].scales;
        for (int half = 0; half < 2; ++half, ql += 64, qh += 32, sc += 8, dst += 128)
          for (int l = 0; l < 32; ++l) {
            const int is = l / 16;
            dst[l] = d * sc[is] * (((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32);
            dst[l + 32] = d * sc[is + 2] * (((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
            dst[l + 64] = d * sc[is + 4] * (((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
            dst[l + 96] = d * sc[is + 6] * (((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
          }
      }
      return;
    }
    default:
      fail(Status::kUnsupported, "fallback dequantize_row: type not supported");
  }
}

__attribute__((weak)) void quantize_row_q8_0(const float* x, BlockQ8_0* y, size_t n) {
  for (size_t i = 0; i < n / 32; ++i) {
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[i * 32 + j]));
    const float d = amax / 127, id = d ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    for (int j = 0; j < 32; ++j) y[i].qs[j] = static_cast<int8_t>(std::roundf(x[i * 32 + j] * id));
  }
}

__attribute__((weak)) void quantize_row_q8_k(const float* x, BlockQ8_K* y, size_t n) {
  for (size_t i = 0; i < n / 256; ++i, x += 256) {
    float max = 0, amax = 0;
    for (int j = 0; j < 256; ++j)
      if (std::fabs(x[j]) > amax) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    if (!amax) {
      std::memset(&y[i], 0, sizeof y[i]);
      continue;
    }
    const float iscale = -127.f / max;
    for (int j = 0; j < 256; ++j) {
      int v = static_cast<int>(std::nearbyint(iscale * x[j]));
      y[i].qs[j] = static_cast<int8_t>(std::min(127, v));
    }
    for (int j = 0; j < 16; ++j) {
      int sum = 0;
      for (int l = 0; l < 16; ++l) sum += y[i].qs[j * 16 + l];
      y[i].bsums[j] = static_cast<int16_t>(sum);
    }
    y[i].d = 1 / iscale;
  }
}

}  // namespace hearth

namespace hearth {
__attribute__((weak)) bf16_t fp32_to_bf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffff) > 0x7f800000) return static_cast<bf16_t>((x >> 16) | 64);
  return static_cast<bf16_t>((x + (0x7fff + ((x >> 16) & 1))) >> 16);
}
}  // namespace hearth

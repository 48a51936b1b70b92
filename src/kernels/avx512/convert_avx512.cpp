// AVX-512 activation converters, bit-identical to the scalar ones (tested).
#include <immintrin.h>

#include <cstdint>

#include "hearth/quant.hpp"
#include "kernels/avx512/avx512_kernels.hpp"
#include "kernels/avx512/q8_0_block_avx512.hpp"

namespace hearth::kernels::avx512 {

void convert_f16(const float* x, void* dst, int64_t n) {
  auto* d = static_cast<uint16_t*>(dst);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + i),
                        _mm512_cvtps_ph(_mm512_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm256_mask_storeu_epi16(
        d + i, m, _mm512_cvtps_ph(_mm512_maskz_loadu_ps(m, x + i), _MM_FROUND_TO_NEAREST_INT));
  }
}

// llama.cpp's x86 Q8_0 arithmetic (q8_0_block_avx512.hpp).
void quantize_q8_0_act(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ8_0*>(dst);
  int32_t sum;
  for (int64_t b = 0; b < n / kQK; ++b) y[b].d = quantize_q8_0_block(x + b * kQK, y[b].qs, &sum);
}

}  // namespace hearth::kernels::avx512

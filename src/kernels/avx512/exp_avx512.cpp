// AVX-512 exponential, 16 floats at a time (exp16, exp_avx512.hpp), within ~1 ulp of expf.
#include "kernels/avx512/exp_avx512.hpp"

#include <immintrin.h>

#include "kernels/avx512/avx512_kernels.hpp"

namespace hearth::kernels::avx512 {

// y[i] = exp(x[i]), i < n; the tail goes through the same vector code under a mask.
void exp_f32(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, exp16(_mm512_loadu_ps(x + i)));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(y + i, m, exp16(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

}  // namespace hearth::kernels::avx512

// argmax (sampler_chain.hpp): greedy sampling's scan of the whole vocabulary (152k logits for
// Qwen2.5), once per sequence and step; at 8 sequences per engine step the scalar loop was ~2%
// of the step. Two vector passes give the same index as the scalar definition:
//   best = 0; for i >= 1: if (logits[i] > logits[best]) best = i;
// (NaN never wins; equal maxima, +0 and -0 included, keep the first). With logits[0] not NaN:
//   1. M = the largest non-NaN logit, as lanes of m = (x > m ? x : m) (NaN leaves m alone),
//   2. the first i with logits[i] == M (== treats +0 and -0 as equal, as > does).
// A NaN logits[0] never loses (nothing compares greater), so then the answer is 0.
#include <cstdint>

#include "sampler/sampler_chain.hpp"

#if defined(__SSE2__) || defined(_M_X64)  // MSVC does not define __SSE2__ for x64
#define HEARTH_ARGMAX_SSE2 1
#include <emmintrin.h>
#elif defined(__ARM_NEON)
#include <arm_neon.h>
#endif

namespace hearth {
namespace {

int first_equal_scalar(const float* x, int from, int n, float m) {
  for (int i = from; i < n; ++i)
    if (x[i] == m) return i;
  return -1;
}

}  // namespace

int argmax(const float* logits, int n_vocab) {
  if (n_vocab <= 0 || logits[0] != logits[0]) return 0;  // empty (callers check), or NaN first
  float m = logits[0];
  int i = 0;
#if defined(HEARTH_ARGMAX_SSE2)
  // _mm_max_ps(a, b) is a > b ? a : b: with the new values as a, NaN keeps the old maximum.
  __m128 acc[4];
  for (auto& a : acc) a = _mm_set1_ps(m);
  for (; i + 16 <= n_vocab; i += 16)
    for (int k = 0; k < 4; ++k) acc[k] = _mm_max_ps(_mm_loadu_ps(logits + i + 4 * k), acc[k]);
  alignas(16) float lanes[4];
  _mm_store_ps(lanes, _mm_max_ps(_mm_max_ps(acc[0], acc[1]), _mm_max_ps(acc[2], acc[3])));
  for (float v : lanes) m = v > m ? v : m;
#elif defined(__ARM_NEON)
  // vmaxq_f32 returns NaN for a NaN input; the select keeps the old maximum instead.
  float32x4_t acc[4];
  for (auto& a : acc) a = vdupq_n_f32(m);
  for (; i + 16 <= n_vocab; i += 16)
    for (int k = 0; k < 4; ++k) {
      const float32x4_t x = vld1q_f32(logits + i + 4 * k);
      acc[k] = vbslq_f32(vcgtq_f32(x, acc[k]), x, acc[k]);
    }
  float lanes[16];
  for (int k = 0; k < 4; ++k) vst1q_f32(lanes + 4 * k, acc[k]);
  for (float v : lanes) m = v > m ? v : m;
#endif
  for (int j = i; j < n_vocab; ++j) m = logits[j] > m ? logits[j] : m;
  int at = 0;
#if defined(HEARTH_ARGMAX_SSE2)
  const __m128 mv = _mm_set1_ps(m);
  for (; at + 4 <= n_vocab; at += 4) {
    const int hit = _mm_movemask_ps(_mm_cmpeq_ps(_mm_loadu_ps(logits + at), mv));
    if (hit)
      for (int k = 0;; ++k)
        if ((hit >> k) & 1) return at + k;
  }
#endif
  return first_equal_scalar(logits, at, n_vocab, m);
}

}  // namespace hearth

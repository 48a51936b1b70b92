// AVX-512 attention primitives over F16 K/V rows, 16 elements per step, tails through masked
// loads and stores. Per element they do what the AVX2 versions do (fused multiply-adds).
#include <immintrin.h>

#include <cstdint>

#include "kernels/avx512/avx512_kernels.hpp"

namespace hearth::kernels::avx512 {
namespace {

__mmask16 mask_for(int64_t left) {
  return left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1);
}
__m512 load_f16(const uint16_t* p, __mmask16 m) {
  return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
}
void store_f16(uint16_t* p, __m512 v, __mmask16 m) {
  _mm256_mask_storeu_epi16(p, m, _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}

}  // namespace

float dot_f32_f16(const float* x, const uint16_t* h, int64_t n) {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0;
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), load_f16(h + i, 0xFFFF), a0);
    a1 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 16), load_f16(h + i + 16, 0xFFFF), a1);
  }
  for (; i < n; i += 16) {
    const __mmask16 m = mask_for(n - i);
    a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + i), load_f16(h + i, m), a0);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
}

void axpy_f16(float a, const uint16_t* h, float* y, int64_t n) {
  const __m512 av = _mm512_set1_ps(a);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = mask_for(n - i);
    _mm512_mask_storeu_ps(y + i, m,
                          _mm512_fmadd_ps(av, load_f16(h + i, m), _mm512_maskz_loadu_ps(m, y + i)));
  }
}

void scale_f16(uint16_t* acc, float s, int64_t n) {
  const __m512 sv = _mm512_set1_ps(s);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = mask_for(n - i);
    store_f16(acc + i, _mm512_mul_ps(load_f16(acc + i, m), sv), m);
  }
}

void axpy_f16_f16(float a, const uint16_t* v, uint16_t* acc, int64_t n) {
  const __m512 av = _mm512_set1_ps(a);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = mask_for(n - i);
    store_f16(acc + i, _mm512_fmadd_ps(load_f16(v + i, m), av, load_f16(acc + i, m)), m);
  }
}

namespace {

// The one-row algorithm with NC = hd / 64 chunks of four vectors, for G query rows that share
// K/V (the query heads of one KV head). The dot product repeats dot_f16's order (four
// accumulators over 64-element steps); the accumulator is rounded to F16 after every update, as
// scale_f16 / axpy_f16_f16 do through memory. Each row's accumulator update depends on the
// previous cell's (a chain of fma and two F16 conversions), so one row is latency bound; G rows
// interleave G independent chains, and every K/V vector is loaded and converted once for all G.
// Per row the operations are those of G = 1 (bit-identical).
constexpr int kPrefetchCells = 32;

template <int NC, int G>
void rows_f16acc(const uint16_t* qh, const KvBlocks& kv, int n_kv, float scale, float* out) {
  constexpr int NV = 4 * NC, HD = 64 * NC;
  __m512 q[G][NV], acc[G][NV];
  for (int g = 0; g < G; ++g)
    for (int v = 0; v < NV; ++v) {
      q[g][v] = load_f16(qh + g * HD + 16 * v, 0xFFFF);
      acc[g][v] = _mm512_setzero_ps();
    }
  // Cells in groups of up to 16 within a block: the scores first, then the running max and
  // every expf argument (they depend on the scores only), the expf calls in a row, and the
  // accumulator updates last. The same operations as one cell at a time, but the calls (which
  // clobber every vector register) no longer sit between the updates; so the grouping (and
  // with it the block size) does not change the bits.
  float M[G], S[G];
  for (int g = 0; g < G; ++g) M[g] = -__builtin_inff(), S[g] = 0;
  const int64_t kv_stride = kv.stride;
  for (int b0 = 0; b0 < n_kv; b0 += kv.block_tokens) {
    const int in_block = n_kv - b0 < kv.block_tokens ? n_kv - b0 : kv.block_tokens;
    const uint16_t* K = kv.k[b0 / kv.block_tokens] + kv.offset;
    const uint16_t* V = kv.v[b0 / kv.block_tokens] + kv.offset;
    for (int j0 = 0; j0 < in_block; j0 += 16) {
      const int n = in_block - j0 < 16 ? in_block - j0 : 16;
      float sv[G][16], e[G][16];
      bool raised[G][16];
      // The K/V rows of the cells kPrefetchCells ahead: a head's rows lie kv_stride apart (the
      // other heads' in between) and come from memory (a token's weights evict the cache), and
      // the hardware prefetchers stop at page ends, so each cell waited on its loads.
      // Prefetches change no result.
      for (int jj = 0; jj < n && j0 + jj + kPrefetchCells < in_block; ++jj)
        for (int c = 0; c < 2 * NC; ++c) {
          const int64_t at = (j0 + jj + kPrefetchCells) * kv_stride + 32 * c;
          _mm_prefetch(reinterpret_cast<const char*>(K + at), _MM_HINT_T0);
          _mm_prefetch(reinterpret_cast<const char*>(V + at), _MM_HINT_T0);
        }
      for (int jj = 0; jj < n; ++jj) {
        const uint16_t* k = K + (j0 + jj) * kv_stride;
        __m512 kv[NV];
        for (int v = 0; v < NV; ++v) kv[v] = load_f16(k + 16 * v, 0xFFFF);
        for (int g = 0; g < G; ++g) {
          __m512 a[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(),
                         _mm512_setzero_ps()};
          for (int c = 0; c < NC; ++c)
            for (int u = 0; u < 4; ++u)
              a[u] = _mm512_fmadd_ps(q[g][4 * c + u], kv[4 * c + u], a[u]);
          sv[g][jj] = _mm512_reduce_add_ps(
                          _mm512_add_ps(_mm512_add_ps(a[0], a[1]), _mm512_add_ps(a[2], a[3]))) *
                      scale;
        }
      }
      for (int g = 0; g < G; ++g)
        for (int jj = 0; jj < n; ++jj) {
          raised[g][jj] = sv[g][jj] > M[g];
          e[g][jj] = raised[g][jj] ? M[g] - sv[g][jj] : sv[g][jj] - M[g];
          if (raised[g][jj]) M[g] = sv[g][jj];
        }
      for (int g = 0; g < G; ++g)
        for (int jj = 0; jj < n; ++jj) e[g][jj] = __builtin_expf(e[g][jj]);
      for (int jj = 0; jj < n; ++jj) {
        const uint16_t* row = V + (j0 + jj) * kv_stride;
        __m512 vv[NV];
        for (int v = 0; v < NV; ++v) vv[v] = load_f16(row + 16 * v, 0xFFFF);
        for (int g = 0; g < G; ++g) {
          float ms = 1.0f, vs = 1.0f;
          if (raised[g][jj]) {
            ms = e[g][jj];
            const __m512 m = _mm512_set1_ps(ms);
            for (int v = 0; v < NV; ++v)
              acc[g][v] = _mm512_cvtph_ps(
                  _mm512_cvtps_ph(_mm512_mul_ps(acc[g][v], m), _MM_FROUND_TO_NEAREST_INT));
          } else {
            vs = e[g][jj];
          }
          const __m512 w = _mm512_set1_ps(vs);
          for (int v = 0; v < NV; ++v)
            acc[g][v] = _mm512_cvtph_ps(
                _mm512_cvtps_ph(_mm512_fmadd_ps(vv[v], w, acc[g][v]), _MM_FROUND_TO_NEAREST_INT));
          S[g] = S[g] * ms + vs;
        }
      }
    }
  }
  for (int g = 0; g < G; ++g) {
    const __m512 inv = _mm512_set1_ps(S[g]);
    for (int v = 0; v < NV; ++v)
      _mm512_storeu_ps(out + g * HD + 16 * v, _mm512_div_ps(acc[g][v], inv));
  }
}

// Rows per call: four for hd 64 (16 accumulator vectors), two for hd 128, so the accumulators
// and one K/V row stay in the 32 registers.
template <int NC>
constexpr int kMaxRows = NC == 1 ? 4 : 2;

template <int NC>
void rows_call(int g, const uint16_t* qh, const KvBlocks& kv, int n_kv, float scale, float* out) {
  switch (g) {
    case 1:
      return rows_f16acc<NC, 1>(qh, kv, n_kv, scale, out);
    case 2:
      return rows_f16acc<NC, 2>(qh, kv, n_kv, scale, out);
    case 3:
      return rows_f16acc < NC, kMaxRows<NC> >= 3 ? 3 : 1 > (qh, kv, n_kv, scale, out);
    default:
      return rows_f16acc < NC, kMaxRows<NC> >= 4 ? 4 : 1 > (qh, kv, n_kv, scale, out);
  }
}

template <int NC>
void rows_in_groups(const uint16_t* qh, int n_rows, const KvBlocks& kv, int n_kv, float scale,
                    float* out) {
  constexpr int HD = 64 * NC;
  // Balanced groups (7 rows: 4 + 3, not 4 + 2 + 1): a group costs about the same for 1 to
  // kMaxRows rows, so fewer calls is what counts.
  const int n_groups = (n_rows + kMaxRows<NC> - 1) / kMaxRows<NC>;
  for (int i = 0, r = 0; i < n_groups; ++i) {
    const int g = (n_rows - r) / (n_groups - i);
    rows_call<NC>(g, qh + r * HD, kv, n_kv, scale, out + r * HD);
    r += g;
  }
}

}  // namespace

bool attend_rows_f16acc(const uint16_t* qh, int n_rows, const KvBlocks& kv, int n_kv, int hd,
                        float scale, float* out) {
  switch (hd) {
    case 64:
      rows_in_groups<1>(qh, n_rows, kv, n_kv, scale, out);
      return true;
    case 128:
      rows_in_groups<2>(qh, n_rows, kv, n_kv, scale, out);
      return true;
    default:
      return false;
  }
}

}  // namespace hearth::kernels::avx512

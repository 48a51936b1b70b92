// AVX-512 attention primitives over F16 K/V rows, 16 elements per step, tails through masked
// loads and stores. Per element they do what the AVX2 versions do (fused multiply-adds).
#include <immintrin.h>

#include <cstdint>

#include "kernels/avx512/avx512_kernels.hpp"
#include "kernels/avx512/exp_avx512.hpp"

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
// K/V (the query heads of one KV head). Per row the operations are those of the loop over the
// table's primitives (attention.cpp: vec_dot[F16], exp_f32, scale_f16, axpy_f16_f16), so a row's
// result does not depend on G, on the blocks or on the grouping below (bit-identical).
//
// Cells go in groups of up to 16 within a block, in three phases:
//  1. scores: per cell and row the four fma chains of dot_f16 over 64-element steps and their
//     vertical sum (a0 + a1) + (a2 + a3); the horizontal sums of the group's 16 cells then run as
//     one transposing tree (sum16) with the pairing of _mm512_reduce_add_ps, instead of 16 trees
//     of shuffles, and come out one cell per lane;
//  2. the running max and the exp arguments for the 16 cells at once (a prefix-max scan that keeps
//     the earlier value on ties, like the loop's `sv > M`), exp16 (exactly the table's exp_f32,
//     inline: no call between the updates), then the sum S in cell order (scalar, the loop's
//     S = S * ms + vs);
//  3. the accumulator updates in cell order, rounded to F16 after every update as scale_f16 /
//     axpy_f16_f16 do through memory. Each row's update depends on the previous cell's (a chain
//     of fma and two F16 conversions); G rows interleave G independent chains, and every V
//     vector is loaded and converted once for all G.
// Measured and not kept (Zen 5, hd 64, 3 rows, 550 cells: 4.7 ns per row and cell): rounding
// the accumulator with integer and float ops instead of the two conversions (bit-exact over
// all 2^32 inputs) 6.9 ns; converting each shared K/V block once into an F32 scratch for all
// the sequences that read it (one call for up to 24 rows, bit-exact) 5.4-6.9 ns; no rounding
// at all (wrong results, as a bound) only 13% faster than the kernel as it is.
constexpr int kPrefetchCells = 32;

// Lane L of sum16(t) is the reduce_add of t[kSlot[L]]: cell jj's vector goes in slot kSlot[jj]
// (the tree below transposes 4 x 4: its lane 4k + m sums the input 4m + k).
constexpr int kSlot[16] = {0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15};

// The 16 horizontal sums of t[0..15] with the halving tree of _mm512_reduce_add_ps (lanes i and
// i + 8, then i and i + 4, i and i + 2, i and i + 1); float addition is commutative, so each
// sum is bit-identical to the reduce_add of its vector. Lane 4k + m holds the sum of t[4m + k].
inline __m512 sum16(const __m512* t) {
  __m512 u[8], w[4], x[2];
  for (int p = 0; p < 8; ++p)  // lanes i + (i + 8): vector 2p in the low half, 2p + 1 high
    u[p] = _mm512_add_ps(_mm512_shuffle_f32x4(t[2 * p], t[2 * p + 1], 0x44),
                         _mm512_shuffle_f32x4(t[2 * p], t[2 * p + 1], 0xEE));
  for (int q = 0; q < 4; ++q)  // i + (i + 4): 128-bit lane k holds vector 4q + k
    w[q] = _mm512_add_ps(_mm512_shuffle_f32x4(u[2 * q], u[2 * q + 1], 0x88),
                         _mm512_shuffle_f32x4(u[2 * q], u[2 * q + 1], 0xDD));
  for (int r = 0; r < 2; ++r) {  // i + (i + 2): pairs of vectors 8r + k and 8r + 4 + k
    const __m512d a = _mm512_castps_pd(w[2 * r]), b = _mm512_castps_pd(w[2 * r + 1]);
    x[r] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(a, b)),
                         _mm512_castpd_ps(_mm512_unpackhi_pd(a, b)));
  }
  return _mm512_add_ps(_mm512_shuffle_ps(x[0], x[1], _MM_SHUFFLE(2, 0, 2, 0)),
                       _mm512_shuffle_ps(x[0], x[1], _MM_SHUFFLE(3, 1, 3, 1)));
}

// Lane i of the inclusive prefix max of s (lanes 0..i), m_in before lane 0. _mm512_max_ps(a, b)
// is a > b ? a : b; with the later lanes as a, ties keep the earlier value, as the loop's
// `if (sv > M) M = sv` does. prev gets the max before each lane (m_in in lane 0).
inline __m512 prefix_max(__m512 s, __m512 m_in, __m512* prev) {
  const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  for (int k = 1; k < 16; k *= 2) {
    const __mmask16 from_k = static_cast<__mmask16>(0xFFFF << k);
    s = _mm512_mask_max_ps(s, from_k, s,
                           _mm512_permutexvar_ps(_mm512_sub_epi32(lane, _mm512_set1_epi32(k)), s));
  }
  s = _mm512_max_ps(s, m_in);
  *prev = _mm512_mask_permutexvar_ps(m_in, 0xFFFE, _mm512_sub_epi32(lane, _mm512_set1_epi32(1)), s);
  return s;
}

template <int NC, int G>
void rows_f16acc(const uint16_t* qh, const KvBlocks& kv, int n_kv, float scale, float* out) {
  constexpr int NV = 4 * NC, HD = 64 * NC;
  __m512 q[G][NV], acc[G][NV];
  for (int g = 0; g < G; ++g)
    for (int v = 0; v < NV; ++v) {
      q[g][v] = load_f16(qh + g * HD + 16 * v, 0xFFFF);
      acc[g][v] = _mm512_setzero_ps();
    }
  __m512 M[G];  // the running max, in every lane
  float S[G];
  for (int g = 0; g < G; ++g) M[g] = _mm512_set1_ps(-__builtin_inff()), S[g] = 0;
  alignas(64) __m512 part[G][16];  // phase 1's per-cell vectors, in sum16's slots
  alignas(64) float e[G][16];      // the exp of each cell: ms where raised, else vs
  __mmask16 raised[G];             // cells that raise the running max
  const __m512 vscale = _mm512_set1_ps(scale);
  const int64_t kv_stride = kv.stride;
  for (int b0 = 0; b0 < n_kv; b0 += kv.block_tokens) {
    const int in_block = n_kv - b0 < kv.block_tokens ? n_kv - b0 : kv.block_tokens;
    const uint16_t* K = kv.k[b0 / kv.block_tokens] + kv.offset;
    const uint16_t* V = kv.v[b0 / kv.block_tokens] + kv.offset;
    for (int j0 = 0; j0 < in_block; j0 += 16) {
      const int n = in_block - j0 < 16 ? in_block - j0 : 16;
      // The K/V rows of the cells kPrefetchCells ahead: a head's rows lie kv_stride apart (the
      // other heads' in between) and come from memory (a token's weights evict the cache), and
      // the hardware prefetchers stop at page ends, so each cell waited on its loads. Across
      // blocks too: the engine's 16-cell blocks lie far apart in its pool (each holds every
      // layer). Measured once the pool's rows were cache-line aligned (engine, 8 sequences of
      // smollm2-135m Q8_0 after a 512-token prompt, 2 threads, Zen 5, wall time of the decode
      // attention per row and cell, 4 alternating runs): 8.3-9.0 ns within blocks only, 6.9-8.2
      // ns across them (distances of 16 and 64 cells, or the first cells prefetched before the
      // loop, the same within noise). Prefetches change no result.
      for (int jj = 0; jj < n && b0 + j0 + jj + kPrefetchCells < n_kv; ++jj) {
        const int ahead = b0 + j0 + jj + kPrefetchCells;
        const uint16_t* kp = kv.k_row(ahead);
        const uint16_t* vp = kv.v_row(ahead);
        for (int c = 0; c < 2 * NC; ++c) {
          _mm_prefetch(reinterpret_cast<const char*>(kp + 32 * c), _MM_HINT_T0);
          _mm_prefetch(reinterpret_cast<const char*>(vp + 32 * c), _MM_HINT_T0);
        }
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
          part[g][kSlot[jj]] = _mm512_add_ps(_mm512_add_ps(a[0], a[1]), _mm512_add_ps(a[2], a[3]));
        }
      }
      for (int jj = n; jj < 16; ++jj)  // a block's last, partial group: defined (unused) lanes
        for (int g = 0; g < G; ++g) part[g][kSlot[jj]] = _mm512_setzero_ps();
      const __mmask16 live = static_cast<__mmask16>((1u << n) - 1);
      for (int g = 0; g < G; ++g) {
        // Cells past n get -inf: they never raise the max, so lane 15 carries it on.
        const __m512 sv =
            _mm512_mask_mul_ps(_mm512_set1_ps(-__builtin_inff()), live, sum16(part[g]), vscale);
        __m512 before;
        const __m512 upto = prefix_max(sv, M[g], &before);
        M[g] = _mm512_permutexvar_ps(_mm512_set1_epi32(15), upto);
        raised[g] = _mm512_cmp_ps_mask(sv, before, _CMP_GT_OQ);
        // raised: exp(M - sv) rescales what came before; else exp(sv - M) weighs the cell.
        const __m512 arg = _mm512_mask_sub_ps(_mm512_sub_ps(sv, before), raised[g], before, sv);
        _mm512_store_ps(e[g], exp16(arg));
      }
      // The sums S in cell order, the G rows' chains interleaved. A cell that does not raise
      // the max has ms = 1, and S * 1 is S exactly, so in a group where no row raises its max
      // (the common case once the maxima settle) each step is one add: half the latency of
      // the multiply-add chain, which the accumulator updates below waited behind. Measured
      // (Zen 5, hd 64, 3 rows, 550 cells): 4.74 -> 4.55 ns per row and cell.
      __mmask16 any_raised = 0;
      for (int g = 0; g < G; ++g) any_raised |= raised[g];
      if (any_raised == 0) {
        for (int jj = 0; jj < n; ++jj)
          for (int g = 0; g < G; ++g) S[g] += e[g][jj];
      } else {
        for (int jj = 0; jj < n; ++jj)
          for (int g = 0; g < G; ++g) {
            const bool up = (raised[g] >> jj) & 1;
            const float ms = up ? e[g][jj] : 1.0f, vs = up ? 1.0f : e[g][jj];
            S[g] = S[g] * ms + vs;
          }
      }
      for (int jj = 0; jj < n; ++jj) {
        const uint16_t* row = V + (j0 + jj) * kv_stride;
        __m512 vv[NV];
        for (int v = 0; v < NV; ++v) vv[v] = load_f16(row + 16 * v, 0xFFFF);
        for (int g = 0; g < G; ++g) {
          __m512 w = _mm512_set1_ps(e[g][jj]);
          if ((raised[g] >> jj) & 1) {
            for (int v = 0; v < NV; ++v)
              acc[g][v] = _mm512_cvtph_ps(
                  _mm512_cvtps_ph(_mm512_mul_ps(acc[g][v], w), _MM_FROUND_TO_NEAREST_INT));
            w = _mm512_set1_ps(1.0f);
          }
          for (int v = 0; v < NV; ++v)
            acc[g][v] = _mm512_cvtph_ps(
                _mm512_cvtps_ph(_mm512_fmadd_ps(vv[v], w, acc[g][v]), _MM_FROUND_TO_NEAREST_INT));
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

// GemmKernel::run_packed for Q4_K and Q6_K weights in the R16 layout
// (kernels/packed_rows_kquant.hpp), shared by the AVX2 (gemm_kquant_avx2.cpp) and AVX-VNNI
// (avxvnni/gemm_kquant_avxvnni.cpp) tables, which differ only in the u8 x s8 step (the Ops policy
// of gemm_kquant_tiles_avx2.hpp, which this header includes). Include only from those two files:
// everything is in an unnamed namespace, so each includer compiles its own copy with its own flags
// (ctest isa_symbols).
//
// Why: without a repacked copy, decode ran one dot product per row (vec_dot) and every batch
// packed its row tiles per call (8x8 dword transposes); a Q4_K_M model generated at 0.81-0.86x
// llama.cpp's speed. The R16 copy is written once at load: super-block s of a 16-row group is W
// vectors of 64 bytes (Q4_K W = 36, Q6_K W = 52), vector w lane i = 4-byte word w of row i's file
// block. Half h (rows 8h .. 8h+7) of a vector is its 32 bytes at + 32 h, so the 8 int32 lanes of
// one plain load are 8 rows, as in gemm_kquant_tiles_avx2.hpp's packed tiles:
//   Q4_K: w 4 + 8c + k: low nibbles = elements 4k .. 4k+3 of sub-block 2c, high nibbles the same
//         of sub-block 2c + 1, i.e. the packed tiles' Q[2c][k] and Q[2c+1][k] after one mask /
//         shift; w 1-3 the 12 scale bytes (decoded for 8 rows at once with byte masks and
//         shifts); w 0 d | dmin.
//   Q6_K: for the half hh of 128 elements and m = 0..7: ql word 16hh + m (A), 16hh + 8 + m (C)
//         and qh word 32 + 8hh + m (Q) give elements 128hh + 32i + 4m .. +3, i = 0..3, from A's
//         low nibbles, C's low, A's high, C's high, with Q's bits 2i, 2i+1 as bits 4-5 (the
//         scalar dot's q1..q4); w 48-51 the 16 int8 scales; fp16 d [nsb][16] after the group's
//         super-blocks.
//
// A single token (decode), and Q4_K batches of fewer than kMinTokens, run the kr16 microkernels
// directly on these loads. Larger batches (kKR16UnpackTokens) unpack each group into the packed
// tiles of gemm_kquant_tiles_avx2.hpp (plain loads, masks and shifts: no transposes) once per token
// chunk and run its microkernel, which reuses each unpacked vector for its 3 tokens.
//
// Exactness: per (row, token) and super-block the integer sums are exact, as in the packed tiles
// (the same Ops steps, rounds and scale multiplies: AVX2 int16 step sums bounded in
// gemm_kquant_avx2.cpp, then vpmaddwd by (sc, sc); AVX-VNNI int32 then vpmulld), so sumi and
// summ are the scalar dot's; the float steps are the packed tiles' (separate multiplies, no fma,
// -ffp-contract=off), in super-block order:
//   Q4_K: acc += (d * dx) * sumi - (dmin * dx) * summ;   Q6_K: acc += (d * dx) * sumi.
// So run_packed gives the bits of run (and of scalar::dot_q4_k / dot_q6_k) for every batch size,
// row split and thread count.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#include "kernels/avx2/gemm_kquant_tiles_avx2.hpp"
#include "kernels/avx2/simd_avx2.hpp"
#include "kernels/kernel_table.hpp"
#include "kernels/packed_rows_kquant.hpp"

namespace hearth::kernels::avx2 {
namespace {

constexpr int kKR16GroupRows = 16;  // rows per R16 group
// Halves (8 rows each) per microkernel, decode included: one group. Two groups (4 streams) for a
// single token spill the integer sums: in-cache decode of 2048 x 2048 on AVX2 went from 18 to
// 24 GB/s (Q6_K) and 22 to 31 GB/s (Q4_K) with one group. Decode Q4_K now keeps 4 int16 sums per
// group (both nibbles), so two groups would not fit 16 ymm registers either.
constexpr int kKR16Halves = 2;
constexpr int kKR16Tokens = 3;  // small batch microkernel: tokens
// From this many tokens on, run_packed unpacks each group into gemm_kquant_tiles_avx2.hpp's tiles
// and runs its microkernel. Q6_K from 2: kr16_q6_micro with 2 or 3 tokens spills its value and
// round sums (in-cache 2048 x 2048, AVX2, per token: 2 tokens 0.135 -> 0.107 ms, 4 tokens 0.113
// -> 0.064 ms unpacked); Q4_K's small batch microkernel is the faster one up to 7 tokens (2
// tokens 0.056 vs 0.088 ms, 7 tokens 0.041 vs 0.048 ms).
template <bool kSix>
constexpr int kKR16UnpackTokens = kSix ? 2 : kMinTokens;
constexpr size_t kKR16Q4Sb = 36 * 64;  // bytes of one Q4_K super-block of a group
constexpr size_t kKR16Q6Sb = 52 * 64;  // the same for Q6_K (its d follow all super-blocks)

// A pshufb control that puts, in each int32 lane, byte b0 of that lane into its low int16 and
// byte b1 into its high one: as the low byte of the int16 (zero-extended values) or, kHigh, as
// its high byte (then vpsraw 8 sign-extends: Q6_K's int8 scales).
template <bool kHigh>
inline __m256i kr16_pair_ctl(int b0, int b1) {
  auto ctl = [](int p, int b0, int b1) {
    const uint32_t lo = static_cast<uint32_t>(4 * p + b0), hi = static_cast<uint32_t>(4 * p + b1);
    const uint32_t v =
        kHigh ? 0x80u | lo << 8 | 0x80u << 16 | hi << 24 : lo | 0x80u << 8 | hi << 16 | 0x80u << 24;
    return static_cast<int>(v);
  };
  return _mm256_setr_epi32(ctl(0, b0, b1), ctl(1, b0, b1), ctl(2, b0, b1), ctl(3, b0, b1),
                           ctl(0, b0, b1), ctl(1, b0, b1), ctl(2, b0, b1), ctl(3, b0, b1));
}

// In each int32 lane, the int16 pair (byte b0, byte b1) of that lane, zero-extended.
inline __m256i kr16_pair_u8(__m256i v, int b0, int b1) {
  return _mm256_shuffle_epi8(v, kr16_pair_ctl<false>(b0, b1));
}

// The same, sign-extended (int8 bytes).
inline __m256i kr16_pair_s8(__m256i v, int b0, int b1) {
  return _mm256_srai_epi16(_mm256_shuffle_epi8(v, kr16_pair_ctl<true>(b0, b1)), 8);
}

// An empty asm that takes and returns v in a register: keeps the additions into the step and
// round sums in program order. Fully unrolled, GCC otherwise reassociates a super-block's
// additions into trees whose terms all wait on the stack (about a third of the decode kernels'
// instructions were spill moves). GCC and Clang syntax (the Windows build is MinGW GCC); other
// compilers get a no-op: the same results, only the register allocation may suffer.
inline void kr16_keep(__m256i& v) {
#if defined(__GNUC__)
  __asm__("" : "+x"(v));
#else
  (void)v;
#endif
}

inline __m256i kr16_load(const uint8_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// Q4_K's 6-bit scales and mins of 8 rows from the scale words S0, S1, S2 (bytes 0-3, 4-7, 8-11
// of each row's 12): lane i byte j of sc_lo = the scale of row i's sub-block j, of sc_hi that of
// sub-block 4 + j, of mn_lo / mn_hi their mins (hearth::k_scale_min for 8 rows: sub-blocks 4..7
// take their low 4 bits from bytes 8-11 and their high 2 from bits 6-7 of bytes 0-7).
struct KR16Q4Scales {
  __m256i sc_lo, sc_hi, mn_lo, mn_hi;
};
inline KR16Q4Scales kr16_q4_scales(const uint8_t* v) {
  const __m256i s0 = kr16_load(v + 64), s1 = kr16_load(v + 128), s2 = kr16_load(v + 192);
  const __m256i low6 = _mm256_set1_epi8(0x3F), low4 = _mm256_set1_epi8(0x0F);
  const __m256i top2 = _mm256_set1_epi8(0x30);
  KR16Q4Scales s;
  s.sc_lo = _mm256_and_si256(s0, low6);
  s.mn_lo = _mm256_and_si256(s1, low6);
  // (byte >> 6) << 4 within each byte: a 32-bit shift by 2, masked to bits 4-5 (the bits shifted
  // in from the next byte land in 6-7 and are dropped).
  s.sc_hi =
      _mm256_or_si256(_mm256_and_si256(s2, low4), _mm256_and_si256(_mm256_srli_epi32(s0, 2), top2));
  s.mn_hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(s2, 4), low4),
                            _mm256_and_si256(_mm256_srli_epi32(s1, 2), top2));
  return s;
}

// Q4_K word 0 of 8 rows (d | dmin << 16, fp16) -> *d, *dmin as floats (exact).
inline void kr16_q4_d(const uint8_t* v, __m256* d, __m256* dmin) {
  // Per 128-bit lane: the 4 d halves, then the 4 dmin halves; then qwords 0, 2 | 1, 3.
  const __m256i split = _mm256_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15, 0, 1,
                                         4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15);
  const __m256i h = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(kr16_load(v), split), 0xD8);
  *d = _mm256_cvtph_ps(_mm256_castsi256_si128(h));
  *dmin = _mm256_cvtph_ps(_mm256_extracti128_si256(h, 1));
}

// Q6_K: values q = w + 32 (0..63) of elements 128hh + 32i + 4m .. +3 of 8 rows, from the ql
// words a = 16hh + m, c = 16hh + 8 + m and the qh word q = 32 + 8hh + m (see the top).
inline __m256i kr16_q6_values(int i, __m256i a, __m256i c, __m256i q) {
  const __m256i low4 = _mm256_set1_epi8(0x0F), top2 = _mm256_set1_epi8(0x30);
  // Nibble: low of a / c (i = 0, 1), high (i = 2, 3). qh bits 2i, 2i+1 moved to bits 4-5 by
  // 16-bit shifts (the bits shifted across bytes land outside 4-5).
  const __m256i ql = i % 2 ? c : a;
  const __m256i nib = _mm256_and_si256(i < 2 ? ql : _mm256_srli_epi16(ql, 4), low4);
  const __m256i hb = i == 0   ? _mm256_slli_epi16(q, 4)
                     : i == 1 ? _mm256_slli_epi16(q, 2)
                     : i == 2 ? q
                              : _mm256_srli_epi16(q, 2);
  return _mm256_or_si256(nib, _mm256_and_si256(hb, top2));
}

// Q4_K's 6-bit scale of sub-block j of 8 rows, as the int16 pair (sc, sc) of each lane, read
// from the scale words at v where it is used (L1) rather than kept: the decode kernel's eight
// scale and four min vectors per half would spill its sums (see kr16_q4_micro).
inline __m256i kr16_q4_scale(const uint8_t* v, int j) {
  const __m256i low6 = _mm256_set1_epi8(0x3F), low4 = _mm256_set1_epi8(0x0F);
  const __m256i top2 = _mm256_set1_epi8(0x30);
  const __m256i s0 = kr16_load(v + 64);
  const __m256i sc = j < 4 ? _mm256_and_si256(s0, low6)
                           : _mm256_or_si256(_mm256_and_si256(kr16_load(v + 192), low4),
                                             _mm256_and_si256(_mm256_srli_epi32(s0, 2), top2));
  return kr16_pair_u8(sc, j % 4, j % 4);
}

// The Q4_K microkernel: H halves (H / 2 groups, group_bytes apart, from w) x T prepared tokens
// (act_stride apart) -> y[t * ldy + 8h + i], all 8H rows. pf / pf_lines: cache lines of the next
// row tile to prefetch per super-block (changes no result), spread over its sub-block passes: a
// burst per super-block queues behind the fill buffers (AVX-512 measured 15 -> 25-35 GB/s cold).
// One token takes both nibbles of each loaded word (sub-blocks 2c and 2c + 1 per pass: half the
// loads and one load per 32 bytes streamed), with the scales and mins read from L1 where used.
template <class Ops, int H, int T>
void kr16_q4_micro(const uint8_t* w, size_t group_bytes, int64_t nsb, const uint8_t* act,
                   size_t act_stride, float* y, int64_t ldy, const uint8_t* pf, int pf_lines) {
  constexpr int kNib = T == 1 ? 2 : 1;
  const size_t pairs_off = static_cast<size_t>(256 * nsb);
  const size_t d_off = pairs_off + 16 * static_cast<size_t>(nsb);
  const uint8_t* half[H];
#pragma GCC unroll 4
  for (int h = 0; h < H; ++h) half[h] = w + (h / 2) * group_bytes + 32 * (h % 2);
  __m256 acc[H][T];
#pragma GCC unroll 4
  for (int h = 0; h < H; ++h)
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) acc[h][t] = _mm256_setzero_ps();
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  for (int64_t s = 0; s < nsb; ++s) {
    const uint8_t* pf_sb = pf + 64 * s * pf_lines;
    const uint8_t* v[H];
#pragma GCC unroll 4
    for (int h = 0; h < H; ++h) v[h] = half[h] + static_cast<size_t>(s) * kKR16Q4Sb;
    // Sub-block j: 8 steps of 4 elements (AVX2: int16 sums <= 8 * 2 * 15 * 128), then its scale.
    __m256i sumi[H][T];
#pragma GCC unroll 4
    for (int h = 0; h < H; ++h)
#pragma GCC unroll 4
      for (int t = 0; t < T; ++t) sumi[h][t] = _mm256_setzero_si256();
#pragma GCC unroll 8
    for (int j0 = 0; j0 < 8; j0 += kNib) {
      constexpr int kParts = 8 / kNib;
      const int part = j0 / kNib;
      for (int i = pf_lines * part / kParts; i < pf_lines * (part + 1) / kParts; ++i)
        _mm_prefetch(reinterpret_cast<const char*>(pf_sb + 64 * i), _MM_HINT_T0);
      __m256i p16[H][T][kNib];
#pragma GCC unroll 4
      for (int h = 0; h < H; ++h)
#pragma GCC unroll 4
        for (int t = 0; t < T; ++t)
#pragma GCC unroll 2
          for (int n = 0; n < kNib; ++n) p16[h][t][n] = _mm256_setzero_si256();
#pragma GCC unroll 8
      for (int k = 0; k < 8; ++k) {
        __m256i q[H][kNib];
#pragma GCC unroll 4
        for (int h = 0; h < H; ++h) {
          const __m256i word = kr16_load(v[h] + 64 * (4 + 8 * (j0 / 2) + k));
#pragma GCC unroll 2
          for (int n = 0; n < kNib; ++n)
            q[h][n] = _mm256_and_si256((j0 + n) % 2 ? _mm256_srli_epi16(word, 4) : word, low4);
        }
#pragma GCC unroll 2
        for (int n = 0; n < kNib; ++n)
#pragma GCC unroll 4
          for (int t = 0; t < T; ++t) {
            const __m256i x =
                _mm256_set1_epi32(load_i32(act + t * act_stride + 256 * s + 32 * (j0 + n) + 4 * k));
#pragma GCC unroll 4
            for (int h = 0; h < H; ++h) {
              p16[h][t][n] = Ops::step(p16[h][t][n], q[h][n], x);
              kr16_keep(p16[h][t][n]);
            }
          }
      }
#pragma GCC unroll 4
      for (int h = 0; h < H; ++h)
#pragma GCC unroll 2
        for (int n = 0; n < kNib; ++n) {
          const __m256i sc = Ops::scale(kr16_q4_scale(v[h], j0 + n));
#pragma GCC unroll 4
          for (int t = 0; t < T; ++t) {
            sumi[h][t] = _mm256_add_epi32(sumi[h][t], Ops::finish(p16[h][t][n], sc));
            kr16_keep(sumi[h][t]);
          }
        }
    }
#pragma GCC unroll 4
    for (int h = 0; h < H; ++h) {
      const KR16Q4Scales sc = kr16_q4_scales(v[h]);
      // summ = sum over pairs p of (min 2p, min 2p+1) . (bsum 2p, bsum 2p+1): vpmaddwd, exact.
      const __m256i mp[4] = {kr16_pair_u8(sc.mn_lo, 0, 1), kr16_pair_u8(sc.mn_lo, 2, 3),
                             kr16_pair_u8(sc.mn_hi, 0, 1), kr16_pair_u8(sc.mn_hi, 2, 3)};
      __m256 dw, dmin;
      kr16_q4_d(v[h], &dw, &dmin);
#pragma GCC unroll 4
      for (int t = 0; t < T; ++t) {
        const uint8_t* pairs = act + t * act_stride + pairs_off + 16 * s;
        __m256i pm = _mm256_setzero_si256();
#pragma GCC unroll 4
        for (int p = 0; p < 4; ++p)
          pm = _mm256_add_epi32(
              pm, _mm256_madd_epi16(mp[p], _mm256_set1_epi32(load_i32(pairs + 4 * p))));
        float dx;
        std::memcpy(&dx, act + t * act_stride + d_off + 4 * s, 4);
        const __m256 vdx = _mm256_set1_ps(dx);
        const __m256 plus = _mm256_mul_ps(_mm256_mul_ps(dw, vdx), _mm256_cvtepi32_ps(sumi[h][t]));
        const __m256 minus = _mm256_mul_ps(_mm256_mul_ps(dmin, vdx), _mm256_cvtepi32_ps(pm));
        acc[h][t] = _mm256_add_ps(acc[h][t], _mm256_sub_ps(plus, minus));
      }
    }
  }
#pragma GCC unroll 4
  for (int h = 0; h < H; ++h)
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) _mm256_storeu_ps(y + t * ldy + 8 * h, acc[h][t]);
}

// The Q6_K microkernel, arguments as kr16_q4_micro's; tail_at: the d's offset in a group.
template <class Ops, int H, int T>
void kr16_q6_micro(const uint8_t* w, size_t group_bytes, int64_t nsb, const uint8_t* act,
                   size_t act_stride, float* y, int64_t ldy, const uint8_t* pf, int pf_lines) {
  const size_t pairs_off = static_cast<size_t>(256 * nsb);
  const size_t d_off = pairs_off + 32 * static_cast<size_t>(nsb);
  const size_t tail_at = static_cast<size_t>(nsb) * kKR16Q6Sb;
  const uint8_t* half[H];
#pragma GCC unroll 4
  for (int h = 0; h < H; ++h) half[h] = w + (h / 2) * group_bytes + 32 * (h % 2);
  __m256 acc[H][T];
#pragma GCC unroll 4
  for (int h = 0; h < H; ++h)
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) acc[h][t] = _mm256_setzero_ps();
  for (int64_t s = 0; s < nsb; ++s) {
    const uint8_t* pf_sb = pf + 64 * s * pf_lines;
    const uint8_t* v[H];
#pragma GCC unroll 4
    for (int h = 0; h < H; ++h) v[h] = half[h] + static_cast<size_t>(s) * kKR16Q6Sb;
    __m256i sumi[H][T];
#pragma GCC unroll 4
    for (int h = 0; h < H; ++h)
#pragma GCC unroll 4
      for (int t = 0; t < T; ++t) sumi[h][t] = _mm256_setzero_si256();
    // Sub-block k = 8hh + 2i + m / 4 (16 elements, 4 steps): rounds of Ops::kQ6Steps steps
    // (AVX2: 2, int16 sums <= 2 * 2 * 63 * 128), each multiplied by the sub-block's scale. A
    // round loads its words once and steps all four i (GCC keeps a word loaded again later in a
    // register or on the stack instead of reloading it). Stepping one half at a time (4 sums + 3
    // words live instead of 8 + 6) spilled more, not less (GCC kept the broadcasts shared by the
    // halves on the stack: 325 stack operands against 232) and measured no faster.
    constexpr int kSteps = Ops::kQ6Steps;
#pragma GCC unroll 2
    for (int hh = 0; hh < 2; ++hh) {
#pragma GCC unroll 8
      for (int m0 = 0; m0 < 8; m0 += kSteps) {
        // This round's share of the next tile's lines (see kr16_q4_micro).
        constexpr int kParts = 16 / kSteps;
        const int part = hh * (8 / kSteps) + m0 / kSteps;
        for (int i = pf_lines * part / kParts; i < pf_lines * (part + 1) / kParts; ++i)
          _mm_prefetch(reinterpret_cast<const char*>(pf_sb + 64 * i), _MM_HINT_T0);
        __m256i p16[4][H][T];
#pragma GCC unroll 4
        for (int i = 0; i < 4; ++i)
#pragma GCC unroll 4
          for (int h = 0; h < H; ++h)
#pragma GCC unroll 4
            for (int t = 0; t < T; ++t) p16[i][h][t] = _mm256_setzero_si256();
#pragma GCC unroll 4
        for (int m = m0; m < m0 + kSteps; ++m) {
          __m256i a[H], c[H], qh[H];
#pragma GCC unroll 4
          for (int h = 0; h < H; ++h) {
            a[h] = kr16_load(v[h] + 64 * (16 * hh + m));
            c[h] = kr16_load(v[h] + 64 * (16 * hh + 8 + m));
            qh[h] = kr16_load(v[h] + 64 * (32 + 8 * hh + m));
          }
#pragma GCC unroll 4
          for (int i = 0; i < 4; ++i) {
            __m256i q[H];
#pragma GCC unroll 4
            for (int h = 0; h < H; ++h) q[h] = kr16_q6_values(i, a[h], c[h], qh[h]);
#pragma GCC unroll 4
            for (int t = 0; t < T; ++t) {
              const __m256i x = _mm256_set1_epi32(
                  load_i32(act + t * act_stride + 256 * s + 128 * hh + 32 * i + 4 * m));
#pragma GCC unroll 4
              for (int h = 0; h < H; ++h) {
                p16[i][h][t] = Ops::step(p16[i][h][t], q[h], x);
                kr16_keep(p16[i][h][t]);
              }
            }
          }
        }
#pragma GCC unroll 4
        for (int i = 0; i < 4; ++i) {
          const int k = 8 * hh + 2 * i + m0 / 4;
#pragma GCC unroll 4
          for (int h = 0; h < H; ++h) {
            const __m256i sc =
                Ops::scale(kr16_pair_s8(kr16_load(v[h] + 64 * (48 + k / 4)), k % 4, k % 4));
#pragma GCC unroll 4
            for (int t = 0; t < T; ++t) {
              sumi[h][t] = _mm256_add_epi32(sumi[h][t], Ops::finish(p16[i][h][t], sc));
              kr16_keep(sumi[h][t]);
            }
          }
        }
      }
    }
#pragma GCC unroll 4
    for (int h = 0; h < H; ++h) {
      // -32 * sum_k sc_k * bsum_k removes the +32 of the values: (sc 2p, sc 2p+1) . (bsum 2p,
      // bsum 2p+1) by vpmaddwd, exact.
      __m256i sp[8];
#pragma GCC unroll 4
      for (int u = 0; u < 4; ++u) {
        const __m256i words = kr16_load(v[h] + 64 * (48 + u));
        sp[2 * u] = kr16_pair_s8(words, 0, 1);
        sp[2 * u + 1] = kr16_pair_s8(words, 2, 3);
      }
      const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(
          w + (h / 2) * group_bytes + tail_at + 32 * s + 16 * (h % 2))));
#pragma GCC unroll 4
      for (int t = 0; t < T; ++t) {
        const uint8_t* a = act + t * act_stride;
        __m256i pm = _mm256_setzero_si256();
#pragma GCC unroll 8
        for (int p = 0; p < 8; ++p)
          pm = _mm256_add_epi32(
              pm, _mm256_madd_epi16(sp[p],
                                    _mm256_set1_epi32(load_i32(a + pairs_off + 32 * s + 4 * p))));
        float dx;
        std::memcpy(&dx, a + d_off + 4 * s, 4);
        const __m256i si = _mm256_sub_epi32(sumi[h][t], _mm256_slli_epi32(pm, 5));
        acc[h][t] = _mm256_add_ps(acc[h][t], _mm256_mul_ps(_mm256_mul_ps(dw, _mm256_set1_ps(dx)),
                                                           _mm256_cvtepi32_ps(si)));
      }
    }
  }
#pragma GCC unroll 4
  for (int h = 0; h < H; ++h)
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) _mm256_storeu_ps(y + t * ldy + 8 * h, acc[h][t]);
}

using KR16MicroFn = void (*)(const uint8_t*, size_t, int64_t, const uint8_t*, size_t, float*,
                             int64_t, const uint8_t*, int);

// The microkernel of one group x tokens (1 .. kKR16Tokens; Q6_K: 1, see kKR16UnpackTokens).
template <class Ops, bool kSix>
KR16MicroFn kr16_tile(int tokens) {
  static_assert(kKR16Tokens == 3, "one entry per token count");
  if constexpr (kSix) return kr16_q6_micro<Ops, kKR16Halves, 1>;
  return tokens == 1   ? kr16_q4_micro<Ops, kKR16Halves, 1>
         : tokens == 2 ? kr16_q4_micro<Ops, kKR16Halves, 2>
                       : kr16_q4_micro<Ops, kKR16Halves, 3>;
}

// One Q4_K group (nsb super-blocks, R16) -> the two halves (half_bytes apart) of
// gemm_kquant_tiles_avx2.hpp's packed tiles: per super-block Q[j][k], SC[j], MP[p], D, DMIN.
inline void kr16_q4_unpack(const uint8_t* group, int64_t nsb, size_t half_bytes, uint8_t* dst) {
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  auto store = [](uint8_t* out, size_t vector, __m256i x) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * vector), x);
  };
  for (int half = 0; half < 2; ++half) {
    for (int64_t s = 0; s < nsb; ++s) {
      const uint8_t* v = group + static_cast<size_t>(s) * kKR16Q4Sb + 32 * half;
      uint8_t* out = dst + half * half_bytes + static_cast<size_t>(s) * kQ4KVectors * 32;
#pragma GCC unroll 4
      for (int c = 0; c < 4; ++c)
#pragma GCC unroll 8
        for (int k = 0; k < 8; ++k) {
          const __m256i q = kr16_load(v + 64 * (4 + 8 * c + k));
          store(out, 8 * (2 * c) + k, _mm256_and_si256(q, low4));
          store(out, 8 * (2 * c + 1) + k, _mm256_and_si256(_mm256_srli_epi16(q, 4), low4));
        }
      const KR16Q4Scales sc = kr16_q4_scales(v);
#pragma GCC unroll 4
      for (int j = 0; j < 4; ++j) {
        store(out, 64 + j, kr16_pair_u8(sc.sc_lo, j, j));
        store(out, 68 + j, kr16_pair_u8(sc.sc_hi, j, j));
      }
      store(out, 72, kr16_pair_u8(sc.mn_lo, 0, 1));
      store(out, 73, kr16_pair_u8(sc.mn_lo, 2, 3));
      store(out, 74, kr16_pair_u8(sc.mn_hi, 0, 1));
      store(out, 75, kr16_pair_u8(sc.mn_hi, 2, 3));
      __m256 d, dmin;
      kr16_q4_d(v, &d, &dmin);
      _mm256_storeu_ps(reinterpret_cast<float*>(out + 32 * 76), d);
      _mm256_storeu_ps(reinterpret_cast<float*>(out + 32 * 77), dmin);
    }
  }
}

// One Q6_K group -> the packed tiles' halves: per super-block Q[e / 4], SC[k], SP[p], D.
inline void kr16_q6_unpack(const uint8_t* group, int64_t nsb, size_t half_bytes, uint8_t* dst) {
  const size_t tail_at = static_cast<size_t>(nsb) * kKR16Q6Sb;
  auto store = [](uint8_t* out, size_t vector, __m256i x) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * vector), x);
  };
  for (int half = 0; half < 2; ++half) {
    for (int64_t s = 0; s < nsb; ++s) {
      const uint8_t* v = group + static_cast<size_t>(s) * kKR16Q6Sb + 32 * half;
      uint8_t* out = dst + half * half_bytes + static_cast<size_t>(s) * kQ6KVectors * 32;
#pragma GCC unroll 2
      for (int hh = 0; hh < 2; ++hh)
#pragma GCC unroll 8
        for (int m = 0; m < 8; ++m) {
          const __m256i a = kr16_load(v + 64 * (16 * hh + m));
          const __m256i c = kr16_load(v + 64 * (16 * hh + 8 + m));
          const __m256i q = kr16_load(v + 64 * (32 + 8 * hh + m));
#pragma GCC unroll 4
          for (int i = 0; i < 4; ++i) store(out, 32 * hh + 8 * i + m, kr16_q6_values(i, a, c, q));
        }
#pragma GCC unroll 4
      for (int u = 0; u < 4; ++u) {
        const __m256i words = kr16_load(v + 64 * (48 + u));
#pragma GCC unroll 4
        for (int b = 0; b < 4; ++b) store(out, 64 + 4 * u + b, kr16_pair_s8(words, b, b));
        store(out, 80 + 2 * u, kr16_pair_s8(words, 0, 1));
        store(out, 80 + 2 * u + 1, kr16_pair_s8(words, 2, 3));
      }
      const __m256 d = _mm256_cvtph_ps(
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(group + tail_at + 32 * s + 16 * half)));
      _mm256_storeu_ps(reinterpret_cast<float*>(out + 32 * 88), d);
    }
  }
}

// GemmKernel::run_packed: rows [r0, r1) (multiples of 16) of an R16 Q4_K (kSix false) or Q6_K
// weight. Below kKR16UnpackTokens (decode included): one group at a time, in token tiles of
// kKR16Tokens that prefetch the next group spread over their super-blocks and over the tiles (the
// first reads the group from memory, the others from cache while memory idles), as
// gemm_q8_tiles_avx2.hpp's run_packed. One token, 2048 x 65536 (a 4 KiB-page buffer, beyond the
// caches), AVX2: Q4_K 20 -> 32 GB/s, Q6_K 8 -> 25 GB/s with the prefetch. Spreading each
// super-block's share over its sub-block passes (Q4_K 4, Q6_K 8 on AVX2 / 4 on AVX-VNNI) instead
// of one burst, with Q4_K's both-nibble decode: hearth_bench R16/q[46]_k/tok1 on a loaded
// 2-core Zen 5, old -> new GB/s, medians of 5 alternated runs, AVX2: Q4_K hot 35 -> 38, cold
// 25 -> 25, colddown 23 -> 25; Q6_K hot 30 -> 31, cold 18 -> 27, colddown 16 -> 23; AVX-VNNI:
// Q4_K hot 38 -> 49, cold 29 -> 29, colddown 25 -> 24; Q6_K hot 34 -> 36, cold 19 -> 25,
// colddown 16 -> 20 (Q4_K cold with one burst per super-block: 20-26 against 23-27 spread). The
// Q4_K_M model's tg: +6-14%. Larger batches: each group unpacked once per token chunk into the
// batch kernel's tiles (see the top).
template <class Ops, bool kSix>
void kr16_run_packed(const uint8_t* packed, size_t row_bytes, int64_t r0, int64_t r1,
                     const uint8_t* act, int n_tok, int64_t n_in, float* y, int64_t ldy) {
  const int64_t nsb = super_blocks(n_in);
  const size_t group_bytes = kKR16GroupRows * row_bytes;
  const size_t stride = prepared_bytes<kSix>(n_in);
  if (n_tok >= kKR16UnpackTokens<kSix>) {
    constexpr auto seq = std::make_integer_sequence<int, kTileTokens>{};
    const size_t half_bytes = static_cast<size_t>(nsb) * (kSix ? kQ6KVectors : kQ4KVectors) * 32;
    uint8_t* scratch = kernel_scratch(2 * half_bytes);
    int chunk = static_cast<int>(kChunkBytes / stride) / kTileTokens * kTileTokens;
    if (chunk < kTileTokens) chunk = kTileTokens;
    for (int t0 = 0; t0 < n_tok; t0 += chunk) {
      const int t1 = std::min(n_tok, t0 + chunk);
      for (int64_t r = r0; r < r1; r += kKR16GroupRows) {
        const uint8_t* group = packed + (r / kKR16GroupRows) * group_bytes;
        if constexpr (kSix)
          kr16_q6_unpack(group, nsb, half_bytes, scratch);
        else
          kr16_q4_unpack(group, nsb, half_bytes, scratch);
        for (int t = t0; t < t1; t += kTileTokens) {
          const int nt = std::min(t1 - t, kTileTokens);
          at_tokens<Ops, kSix, false, 2>(nt, seq)(scratch, half_bytes, act + t * stride, stride,
                                                  nsb, y + t * ldy + r, ldy, kKR16GroupRows);
        }
      }
    }
    return;
  }
  const int n_tiles = (n_tok + kKR16Tokens - 1) / kKR16Tokens;
  for (int64_t r = r0; r < r1; r += kKR16GroupRows) {
    const uint8_t* w = packed + (r / kKR16GroupRows) * group_bytes;
    const int64_t next_lines = r + kKR16GroupRows < r1 ? static_cast<int64_t>(group_bytes / 64) : 0;
    for (int k = 0; k < n_tiles; ++k) {
      const int t = k * kKR16Tokens;
      const int64_t l0 = next_lines * k / n_tiles, l1 = next_lines * (k + 1) / n_tiles;
      kr16_tile<Ops, kSix>(std::min(n_tok - t, kKR16Tokens))(
          w, group_bytes, nsb, act + t * stride, stride, y + t * ldy + r, ldy,
          w + group_bytes + 64 * l0, static_cast<int>((l1 - l0 + nsb - 1) / nsb));
    }
  }
}

// The GemmKernel of Q4_K (kSix false) or Q6_K: the batch kernel's activations and row-layout run
// (the same bits per row and token), plus run_packed for the weights the loader repacks.
template <class Ops, bool kSix>
constexpr GemmKernel kquant_r16_gemm_kernel() {
  GemmKernel g = kquant_gemm_kernel<Ops, kSix>();
  g.run_packed = kr16_run_packed<Ops, kSix>;
  return g;
}

}  // namespace
}  // namespace hearth::kernels::avx2

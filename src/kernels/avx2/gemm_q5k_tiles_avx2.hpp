// The 256-bit batch (prefill) matrix products for Q5_K weights with Q8_K activations, shared by
// the AVX2 (gemm_q5k_avx2.cpp) and AVX-VNNI (avxvnni/gemm_q5k_avxvnni.cpp) kernels, which differ
// only in the u8 x s8 step (the Ops policy). Include only from those two files: everything is in
// an unnamed namespace, so each includer compiles its own copy with its own flags (ctest
// isa_symbols).
//
// Q4_K's 256-bit design (gemm_kquant_tiles_avx2.hpp) with the fifth bit joined to each value at
// packing: the 8 int32 lanes of a vector are 8 weight rows, 4 activation bytes of one token are
// broadcast. Row tiles are packed per call with plain loads and 8x8 dword transposes, per half of
// 8 rows and super-block of 256 elements:
//   Q[j][k]  j, k = 0..7  lane i = 4 values (0..31) of row i, elements 32j + 4k .. + 3
//   SC[j]                 lane i = the 6-bit scale of sub-block j, as an int16 pair (sc, sc)
//   MP[p]     p = 0..3    lane i = the mins of sub-blocks 2p, 2p+1 (int16 pair)
//   D, DMIN               lane i = the super-block's d and dmin (float)
// Prepared activations per token: qs [nsb][256] int8, bsum pairs [nsb][4] (int16 sums of
// sub-blocks 2p, 2p+1), d [nsb] float.
//
// Exactness: each sub-block is summed in two rounds of 4 steps (AVX2: int16 sums <= 4 * 2 * 31 *
// 128 = 31744, then vpmaddwd by (sc, sc); AVX-VNNI: int32 sums, then vpmulld), so per (row,
// token) and super-block the integers are the scalar dot's sumi and summ, followed by its float
// steps (separate multiplies, no fma): sum += (d * dx) * sumi - (dmin * dx) * summ,
// bit-identical to the scalar dot product whatever the tile or thread count.
// Decode (a few tokens) keeps the dot products (GemmKernel::min_tokens).
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#include "hearth/quant.hpp"
#include "kernels/avx2/avx2_kernels.hpp"
#include "kernels/avx2/simd_avx2.hpp"
#include "kernels/scalar/scalar_kernels.hpp"

namespace hearth::kernels::avx2 {
namespace {

constexpr int kQ5KHalfRows = 8;                 // rows per vector
constexpr int kQ5KTileHalves = 2;               // halves per microkernel (16 rows)
constexpr int kQ5KTileTokens = 3;               // tokens per microkernel
constexpr size_t kQ5KChunkBytes = 512 * 1024;   // prepared tokens per pass over the packed rows
constexpr int kQ5KMinTokens = 8;                // below: the dot products
constexpr size_t kQ5KVectors = 64 + 8 + 4 + 2;  // Q, SC, MP, D and DMIN

inline size_t q5k_prepared_bytes(int64_t n_in) {
  return (static_cast<size_t>(n_in / kQK_K) * (256 + 16 + 4) + 63) / 64 * 64;
}

inline void q5k_prepare(const float* x, void* dst, int64_t n_in) {
  const int64_t nsb = n_in / kQK_K;
  auto* qs = static_cast<int8_t*>(dst);
  auto* pairs = reinterpret_cast<int32_t*>(qs + 256 * nsb);
  auto* d = reinterpret_cast<float*>(pairs + 4 * nsb);
  BlockQ8_K blk;
  for (int64_t s = 0; s < nsb; ++s) {
    scalar::quantize_q8_k_act(x + s * kQK_K, &blk, kQK_K);
    std::memcpy(qs + 256 * s, blk.qs, 256);
    for (int p = 0; p < 4; ++p) {
      // Sub-block 2p covers bsums 4p, 4p+1; 2p+1 covers 4p+2, 4p+3.
      const int lo = blk.bsums[4 * p] + blk.bsums[4 * p + 1];
      const int hi = blk.bsums[4 * p + 2] + blk.bsums[4 * p + 3];
      pairs[4 * s + p] = static_cast<int32_t>((static_cast<uint32_t>(hi) << 16) |
                                              (static_cast<uint32_t>(lo) & 0xFFFFu));
    }
    d[s] = blk.d;
  }
}

inline int32_t q5k_pair16(int lo, int hi) {
  return static_cast<int32_t>((static_cast<uint32_t>(hi) << 16) |
                              (static_cast<uint32_t>(lo) & 0xFFFFu));
}

// Rows [0, n_rows) (n_rows <= 8) of one half into dst: [nsb][78][32 bytes]; missing rows read a
// zero block.
inline void q5k_pack_half(const uint8_t* rows, size_t w_stride, int n_rows, int64_t nsb,
                          uint8_t* dst) {
  static const BlockQ5_K kZero = {};
  const __m256i low4 = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(0x01);
  for (int64_t s = 0; s < nsb; ++s) {
    const BlockQ5_K* b[kQ5KHalfRows];
    for (int i = 0; i < kQ5KHalfRows; ++i)
      b[i] = i < n_rows ? reinterpret_cast<const BlockQ5_K*>(rows + i * w_stride) + s : &kZero;
    uint8_t* out = dst + s * kQ5KVectors * 32;
    // Sub-blocks 2c (low nibbles) and 2c+1 (high nibbles) share qs[32c .. 32c+31]; bit j of
    // qh[l] is the fifth bit of element l of sub-block j.
    for (int c = 0; c < 4; ++c) {
      __m256i lo[8], hi[8];
      for (int i = 0; i < 8; ++i) {
        const __m256i q = load32(b[i]->qs + 32 * c), h = load32(b[i]->qh);
        lo[i] = _mm256_or_si256(
            _mm256_and_si256(q, low4),
            _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 2 * c), one), 4));
        hi[i] = _mm256_or_si256(
            _mm256_and_si256(_mm256_srli_epi16(q, 4), low4),
            _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 2 * c + 1), one), 4));
      }
      transpose8x8_epi32(lo);
      transpose8x8_epi32(hi);
      for (int k = 0; k < 8; ++k) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * (8 * (2 * c) + k)), lo[k]);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * (8 * (2 * c + 1) + k)), hi[k]);
      }
    }
    int32_t sc[8][kQ5KHalfRows], mp[4][kQ5KHalfRows];
    float d[kQ5KHalfRows], dmin[kQ5KHalfRows];
    for (int i = 0; i < kQ5KHalfRows; ++i) {
      const uint8_t* q = b[i]->scales;
      int s8[8], m8[8];
      for (int j = 0; j < 4; ++j) {  // as hearth::k_scale_min
        s8[j] = q[j] & 63;
        m8[j] = q[j + 4] & 63;
      }
      for (int j = 4; j < 8; ++j) {
        s8[j] = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        m8[j] = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
      }
      for (int j = 0; j < 8; ++j) sc[j][i] = q5k_pair16(s8[j], s8[j]);
      for (int p = 0; p < 4; ++p) mp[p][i] = q5k_pair16(m8[2 * p], m8[2 * p + 1]);
      d[i] = _cvtsh_ss(b[i]->d);
      dmin[i] = _cvtsh_ss(b[i]->dmin);
    }
    std::memcpy(out + 32 * 64, sc, sizeof(sc));
    std::memcpy(out + 32 * 72, mp, sizeof(mp));
    std::memcpy(out + 32 * 76, d, sizeof(d));
    std::memcpy(out + 32 * 77, dmin, sizeof(dmin));
  }
}

inline __m256i q5k_load(const uint8_t* p, size_t vector) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * vector));
}

// H packed halves (half_bytes apart) x T prepared tokens (act_stride apart) ->
// y[t * ldy + 8 h + i] for rows 8 h + i < valid.
template <class Ops, int H, int T>
void q5k_micro(const uint8_t* packed, size_t half_bytes, const uint8_t* act, size_t act_stride,
               int64_t nsb, float* y, int64_t ldy, int valid) {
  const size_t pairs_off = static_cast<size_t>(256 * nsb);
  const size_t d_off = pairs_off + 16 * static_cast<size_t>(nsb);
  __m256 acc[H][T];
#pragma GCC unroll 2
  for (int h = 0; h < H; ++h)
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) acc[h][t] = _mm256_setzero_ps();
  for (int64_t s = 0; s < nsb; ++s) {
    const uint8_t* ws[H];
#pragma GCC unroll 2
    for (int h = 0; h < H; ++h) ws[h] = packed + h * half_bytes + s * kQ5KVectors * 32;
    __m256i sumi[H][T];
#pragma GCC unroll 2
    for (int h = 0; h < H; ++h)
#pragma GCC unroll 4
      for (int t = 0; t < T; ++t) sumi[h][t] = _mm256_setzero_si256();
    for (int j = 0; j < 8; ++j) {
      __m256i sc[H];
#pragma GCC unroll 2
      for (int h = 0; h < H; ++h) sc[h] = Ops::scale(q5k_load(ws[h], 64 + j));
#pragma GCC unroll 2
      for (int round = 0; round < 2; ++round) {
        __m256i p[H][T];
#pragma GCC unroll 2
        for (int h = 0; h < H; ++h)
#pragma GCC unroll 4
          for (int t = 0; t < T; ++t) p[h][t] = _mm256_setzero_si256();
#pragma GCC unroll 4
        for (int v = 0; v < 4; ++v) {
          const int step = 8 * j + 4 * round + v;  // 4-element vector index
          __m256i w[H];
#pragma GCC unroll 2
          for (int h = 0; h < H; ++h) w[h] = q5k_load(ws[h], step);
#pragma GCC unroll 4
          for (int t = 0; t < T; ++t) {
            const __m256i x =
                _mm256_set1_epi32(load_i32(act + t * act_stride + 256 * s + 4 * step));
#pragma GCC unroll 2
            for (int h = 0; h < H; ++h) p[h][t] = Ops::step(p[h][t], w[h], x);
          }
        }
#pragma GCC unroll 2
        for (int h = 0; h < H; ++h)
#pragma GCC unroll 4
          for (int t = 0; t < T; ++t)
            sumi[h][t] = _mm256_add_epi32(sumi[h][t], Ops::finish(p[h][t], sc[h]));
      }
    }
#pragma GCC unroll 2
    for (int h = 0; h < H; ++h) {
      const __m256 dw = _mm256_loadu_ps(reinterpret_cast<const float*>(ws[h] + 32 * 76));
      const __m256 dmin = _mm256_loadu_ps(reinterpret_cast<const float*>(ws[h] + 32 * 77));
#pragma GCC unroll 4
      for (int t = 0; t < T; ++t) {
        const uint8_t* a = act + t * act_stride;
        // Sum over the pairs p of (min pair) . (bsum pair): vpmaddwd, exact in int32.
        __m256i pm = _mm256_setzero_si256();
#pragma GCC unroll 4
        for (int p = 0; p < 4; ++p)
          pm = _mm256_add_epi32(
              pm, _mm256_madd_epi16(q5k_load(ws[h], 72 + p),
                                    _mm256_set1_epi32(load_i32(a + pairs_off + 16 * s + 4 * p))));
        float dx;
        std::memcpy(&dx, a + d_off + 4 * s, 4);
        const __m256 vdx = _mm256_set1_ps(dx);
        const __m256 plus = _mm256_mul_ps(_mm256_mul_ps(dw, vdx), _mm256_cvtepi32_ps(sumi[h][t]));
        const __m256 minus = _mm256_mul_ps(_mm256_mul_ps(dmin, vdx), _mm256_cvtepi32_ps(pm));
        acc[h][t] = _mm256_add_ps(acc[h][t], _mm256_sub_ps(plus, minus));
      }
    }
  }
#pragma GCC unroll 2
  for (int h = 0; h < H; ++h)
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t)
      store_rows(y + t * ldy + kQ5KHalfRows * h, acc[h][t], valid - kQ5KHalfRows * h);
}

using Q5KMicroFn = void (*)(const uint8_t*, size_t, const uint8_t*, size_t, int64_t, float*,
                            int64_t, int);

template <class Ops, int H, int... T>
constexpr Q5KMicroFn q5k_at_tokens(int t, std::integer_sequence<int, T...>) {
  constexpr Q5KMicroFn fns[] = {q5k_micro<Ops, H, T + 1>...};
  return fns[t - 1];
}

template <class Ops>
void q5k_run(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* act,
             int n_tok, int64_t n_in, float* y, int64_t ldy) {
  const int64_t nsb = n_in / kQK_K;
  const size_t stride = q5k_prepared_bytes(n_in);
  const size_t half_bytes = static_cast<size_t>(nsb) * kQ5KVectors * 32;
  uint8_t* packed = kernel_scratch(half_bytes * kQ5KTileHalves);
  int chunk = static_cast<int>(kQ5KChunkBytes / stride) / kQ5KTileTokens * kQ5KTileTokens;
  if (chunk < kQ5KTileTokens) chunk = kQ5KTileTokens;
  constexpr int kTileRows = kQ5KHalfRows * kQ5KTileHalves;
  constexpr auto seq = std::make_integer_sequence<int, kQ5KTileTokens>{};
  for (int t0 = 0; t0 < n_tok; t0 += chunk) {
    const int t1 = t0 + chunk < n_tok ? t0 + chunk : n_tok;
    for (int64_t r = r0; r < r1; r += kTileRows) {
      const int rows = static_cast<int>(r1 - r < kTileRows ? r1 - r : kTileRows);
      const int halves = (rows + kQ5KHalfRows - 1) / kQ5KHalfRows;
      for (int h = 0; h < halves; ++h) {
        const int n =
            rows - kQ5KHalfRows * h < kQ5KHalfRows ? rows - kQ5KHalfRows * h : kQ5KHalfRows;
        q5k_pack_half(w + (r + kQ5KHalfRows * h) * w_stride, w_stride, n, nsb,
                      packed + h * half_bytes);
      }
      for (int t = t0; t < t1; t += kQ5KTileTokens) {
        const int nt = t1 - t < kQ5KTileTokens ? t1 - t : kQ5KTileTokens;
        const Q5KMicroFn fn =
            halves == 1 ? q5k_at_tokens<Ops, 1>(nt, seq) : q5k_at_tokens<Ops, 2>(nt, seq);
        fn(packed, half_bytes, act + t * stride, stride, nsb, y + t * ldy + r, ldy, rows);
      }
    }
  }
}

template <class Ops>
constexpr GemmKernel q5k_gemm_kernel() {
  return {q5k_prepared_bytes, q5k_prepare, q5k_run<Ops>, kQ5KMinTokens};
}

}  // namespace
}  // namespace hearth::kernels::avx2

// The 256-bit batch (prefill) matrix products for Q4_K, Q5_K and Q6_K weights with Q8_K
// activations, shared by the AVX2 (gemm_kquant_avx2.cpp) and AVX-VNNI
// (avxvnni/gemm_kquant_avxvnni.cpp) kernels, which differ only in the u8 x s8 step (the Ops policy:
// vpmaddubsw into int16, or vpdpbusd into int32). Include only from those two files: everything is
// in an unnamed namespace, so each includer compiles its own copy with its own flags (ctest
// isa_symbols).
//
// The layout of avx512/gemm_kquant_avx512.cpp at half the width: the 8 int32 lanes of a vector
// are 8 weight rows, 4 activation bytes of one token are broadcast and multiplied by the unsigned
// weight values. Row tiles are packed per call with plain loads and 8x8 dword
// transposes (kernel_scratch), per half of 8 rows and super-block of 256 elements:
//   Q4_K: Q[j][k]  j, k = 0..7  lane i = 4 nibbles (0..15) of row i, elements 32j + 4k .. + 3
//         (Q5_K: the same layout, each value with its fifth bit: 0..31)
//         SC[j]                 lane i = the 6-bit scale of sub-block j, as an int16 pair (sc, sc)
//         MP[p]     p = 0..3    lane i = the mins of sub-blocks 2p, 2p+1 (int16 pair)
//         D, DMIN               lane i = the super-block's d and dmin (float)
//   Q6_K: Q[e/4]   e = 0..252   lane i = 4 values q = w + 32 (0..63) of row i, elements e .. e+3
//         SC[k]     k = 0..15   lane i = the int8 scale of 16-element sub-block k, int16 pair
//         SP[p]     p = 0..7    lane i = the scales of sub-blocks 2p, 2p+1 (int16 pair)
//         D                     lane i = d (float)
// Prepared activations per token: qs [nsb][256] int8, bsum pairs [nsb][P] (int16 sums of
// sub-blocks 2p, 2p+1: Q4_K P = 4 over 32 elements, Q6_K P = 8 over 16), d [nsb] float.
//
// Exactness: per sub-block (or Q6_K half sub-block, Ops::kQ6Steps) the Ops sum the steps exactly
// and multiply by the scale (AVX2: int16 sums, whose bounds are in gemm_kquant_avx2.cpp, then
// vpmaddwd by (sc, sc); AVX-VNNI: int32 sums, then vpmulld); Q6_K's +32 offset of q is removed by
// -32 * sum_k sc_k * bsum_k (vpmaddwd on the pairs).
// So per (row, token) and super-block the integers are the scalar dot's sumi (and Q4_K's summ),
// followed by the scalar dot's float steps (separate multiplies, no fma):
//   Q4_K: sum += (d * dx) * sumi - (dmin * dx) * summ;   Q6_K: sum += (d * dx) * sumi,
// bit-identical to the scalar dot products whatever the tile or thread count.
// Decode (a few tokens) keeps the dot products (GemmKernel::min_tokens), unless the loader
// repacked the weight (Q4_K, Q6_K: run_packed of gemm_kquant_r16_tiles_avx2.hpp).
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "hearth/quant.hpp"
#include "kernels/avx2/avx2_kernels.hpp"
#include "kernels/avx2/simd_avx2.hpp"
#include "kernels/scalar/scalar_kernels.hpp"

namespace hearth::kernels::avx2 {
namespace {

constexpr int kHalfRows = 8;                // rows per vector
constexpr int kTileHalves = 2;              // halves per microkernel (16 rows)
constexpr int kTileTokens = 3;              // tokens per microkernel
constexpr size_t kChunkBytes = 512 * 1024;  // prepared tokens per pass over the packed rows
constexpr int kMinTokens = 8;               // below: the dot products

// 32-byte vectors per half and super-block.
constexpr size_t kQ4KVectors = 64 + 8 + 4 + 2;   // Q, SC, MP, D and DMIN
constexpr size_t kQ6KVectors = 64 + 16 + 8 + 1;  // Q, SC, SP, D

inline int64_t super_blocks(int64_t n_in) {
  return n_in / kQK_K;
}

template <bool kSix>
size_t prepared_bytes(int64_t n_in) {
  const size_t per_sb = 256 + 4 * (kSix ? 8 : 4) + 4;
  return (static_cast<size_t>(super_blocks(n_in)) * per_sb + 63) / 64 * 64;
}

template <bool kSix>
void prepare(const float* x, void* dst, int64_t n_in) {
  const int64_t nsb = super_blocks(n_in);
  constexpr int kPairs = kSix ? 8 : 4;
  auto* qs = static_cast<int8_t*>(dst);
  auto* pairs = reinterpret_cast<int32_t*>(qs + 256 * nsb);
  auto* d = reinterpret_cast<float*>(pairs + kPairs * nsb);
  BlockQ8_K blk;
  for (int64_t s = 0; s < nsb; ++s) {
    scalar::quantize_q8_k_act(x + s * kQK_K, &blk, kQK_K);
    std::memcpy(qs + 256 * s, blk.qs, 256);
    for (int p = 0; p < kPairs; ++p) {
      // Q6_K sub-block k = bsums[k]; Q4_K sub-block j = bsums[2j] + bsums[2j + 1].
      const int lo = kSix ? blk.bsums[2 * p] : blk.bsums[4 * p] + blk.bsums[4 * p + 1];
      const int hi = kSix ? blk.bsums[2 * p + 1] : blk.bsums[4 * p + 2] + blk.bsums[4 * p + 3];
      pairs[kPairs * s + p] = static_cast<int32_t>((static_cast<uint32_t>(hi) << 16) |
                                                   (static_cast<uint32_t>(lo) & 0xFFFFu));
    }
    d[s] = blk.d;
  }
}

inline int32_t pair16(int lo, int hi) {
  return static_cast<int32_t>((static_cast<uint32_t>(hi) << 16) |
                              (static_cast<uint32_t>(lo) & 0xFFFFu));
}

// The 6-bit scale and min of sub-block j of a Q4_K block (hearth::k_scale_min, not called here so
// that no inline function of a shared header is compiled with the AVX2 flags).
inline void scale_min(int j, const uint8_t* q, int* scale, int* min) {
  if (j < 4) {
    *scale = q[j] & 63;
    *min = q[j + 4] & 63;
  } else {
    *scale = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    *min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

// Rows [0, n_rows) (n_rows <= 8) of one half into dst: [nsb][78][32 bytes]; missing rows read a
// zero block. Block is BlockQ4_K or BlockQ5_K (Q4_K with a fifth bit per value, joined here: the
// vectors then hold 0..31 and the same microkernel computes both).
template <class Block>
inline void q45_k_pack_half(const uint8_t* rows, size_t w_stride, int n_rows, int64_t nsb,
                            uint8_t* dst) {
  constexpr bool kFive = std::is_same_v<Block, BlockQ5_K>;
  static const Block kZero = {};
  const __m256i low4 = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(0x01);
  // Bit j of each byte of h, moved to bit 4 (the fifth bit of sub-block j's values).
  auto fifth = [&](__m256i h, int j) {
    return _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, j), one), 4);
  };
  for (int64_t s = 0; s < nsb; ++s) {
    const Block* b[kHalfRows];
    for (int i = 0; i < kHalfRows; ++i)
      b[i] = i < n_rows ? reinterpret_cast<const Block*>(rows + i * w_stride) + s : &kZero;
    uint8_t* out = dst + s * kQ4KVectors * 32;
    // Sub-blocks 2c (low nibbles) and 2c+1 (high nibbles) share qs[32c .. 32c+31]; bit j of Q5_K's
    // qh[l] is the fifth bit of element l of sub-block j.
    for (int c = 0; c < 4; ++c) {
      __m256i lo[8], hi[8];
      for (int i = 0; i < 8; ++i) {
        const __m256i q = load32(b[i]->qs + 32 * c);
        lo[i] = _mm256_and_si256(q, low4);
        hi[i] = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
        if constexpr (kFive) {
          const __m256i h = load32(b[i]->qh);
          lo[i] = _mm256_or_si256(lo[i], fifth(h, 2 * c));
          hi[i] = _mm256_or_si256(hi[i], fifth(h, 2 * c + 1));
        }
      }
      transpose8x8_epi32(lo);
      transpose8x8_epi32(hi);
      for (int k = 0; k < 8; ++k) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * (8 * (2 * c) + k)), lo[k]);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * (8 * (2 * c + 1) + k)), hi[k]);
      }
    }
    int32_t sc[8][kHalfRows], mp[4][kHalfRows];
    float d[kHalfRows], dmin[kHalfRows];
    for (int i = 0; i < kHalfRows; ++i) {
      int s8[8], m8[8];
      for (int j = 0; j < 8; ++j) {
        scale_min(j, b[i]->scales, &s8[j], &m8[j]);
        sc[j][i] = pair16(s8[j], s8[j]);
      }
      for (int p = 0; p < 4; ++p) mp[p][i] = pair16(m8[2 * p], m8[2 * p + 1]);
      d[i] = _cvtsh_ss(b[i]->d);
      dmin[i] = _cvtsh_ss(b[i]->dmin);
    }
    std::memcpy(out + 32 * 64, sc, sizeof(sc));
    std::memcpy(out + 32 * 72, mp, sizeof(mp));
    std::memcpy(out + 32 * 76, d, sizeof(d));
    std::memcpy(out + 32 * 77, dmin, sizeof(dmin));
  }
}

// Rows [0, n_rows) of one half into dst: [nsb][89][32 bytes]. In each half of 128 elements, byte
// l of ql / qh gives elements l, l+32, l+64, l+96 (as the scalar dot reads them): low nibbles of
// ql[l] / ql[l+32] with qh bits 0-1 / 2-3, high nibbles with bits 4-5 / 6-7.
inline void q6_k_pack_half(const uint8_t* rows, size_t w_stride, int n_rows, int64_t nsb,
                           uint8_t* dst) {
  static const BlockQ6_K kZero = {};
  const __m256i low4 = _mm256_set1_epi8(0x0F), low2 = _mm256_set1_epi8(0x03);
  auto join = [&](__m256i nibbles, __m256i two_bits) {
    return _mm256_or_si256(_mm256_and_si256(nibbles, low4),
                           _mm256_slli_epi16(_mm256_and_si256(two_bits, low2), 4));
  };
  for (int64_t s = 0; s < nsb; ++s) {
    const BlockQ6_K* b[kHalfRows];
    for (int i = 0; i < kHalfRows; ++i)
      b[i] = i < n_rows ? reinterpret_cast<const BlockQ6_K*>(rows + i * w_stride) + s : &kZero;
    uint8_t* out = dst + s * kQ6KVectors * 32;
    for (int h = 0; h < 2; ++h) {
      // e[m][i]: row i's 32 values of elements 128h + 32m .. + 31.
      __m256i e[4][8];
      for (int i = 0; i < 8; ++i) {
        const __m256i a = load32(b[i]->ql + 64 * h), c = load32(b[i]->ql + 64 * h + 32);
        const __m256i q = load32(b[i]->qh + 32 * h);
        e[0][i] = join(a, q);
        e[1][i] = join(c, _mm256_srli_epi16(q, 2));
        e[2][i] = join(_mm256_srli_epi16(a, 4), _mm256_srli_epi16(q, 4));
        e[3][i] = join(_mm256_srli_epi16(c, 4), _mm256_srli_epi16(q, 6));
      }
      for (int m = 0; m < 4; ++m) {
        transpose8x8_epi32(e[m]);
        for (int k = 0; k < 8; ++k)
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * ((128 * h + 32 * m) / 4 + k)),
                              e[m][k]);
      }
    }
    int32_t sc[16][kHalfRows], sp[8][kHalfRows];
    float d[kHalfRows];
    for (int i = 0; i < kHalfRows; ++i) {
      for (int k = 0; k < 16; ++k) sc[k][i] = pair16(b[i]->scales[k], b[i]->scales[k]);
      for (int p = 0; p < 8; ++p) sp[p][i] = pair16(b[i]->scales[2 * p], b[i]->scales[2 * p + 1]);
      d[i] = _cvtsh_ss(b[i]->d);
    }
    std::memcpy(out + 32 * 64, sc, sizeof(sc));
    std::memcpy(out + 32 * 80, sp, sizeof(sp));
    std::memcpy(out + 32 * 88, d, sizeof(d));
  }
}

inline __m256i load_v(const uint8_t* p, size_t vector) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * vector));
}

// H packed halves (half_bytes apart) x T prepared tokens (act_stride apart) ->
// y[t * ldy + 8 h + i] for rows 8 h + i < valid.
template <class Ops, bool kSix, bool kFive, int H, int T>
void micro(const uint8_t* packed, size_t half_bytes, const uint8_t* act, size_t act_stride,
           int64_t nsb, float* y, int64_t ldy, int valid) {
  constexpr size_t kVectors = kSix ? kQ6KVectors : kQ4KVectors;
  constexpr int kPairs = kSix ? 8 : 4;
  const size_t pairs_off = static_cast<size_t>(256 * nsb);
  const size_t d_off = pairs_off + 4 * kPairs * static_cast<size_t>(nsb);
  __m256 acc[H][T];
#pragma GCC unroll 2
  for (int h = 0; h < H; ++h)
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) acc[h][t] = _mm256_setzero_ps();
  for (int64_t s = 0; s < nsb; ++s) {
    const uint8_t* ws[H];
#pragma GCC unroll 2
    for (int h = 0; h < H; ++h) ws[h] = packed + h * half_bytes + s * kVectors * 32;
    __m256i sumi[H][T];
#pragma GCC unroll 2
    for (int h = 0; h < H; ++h)
#pragma GCC unroll 4
      for (int t = 0; t < T; ++t) sumi[h][t] = _mm256_setzero_si256();
    // Q4_K: 8 sub-blocks of 8 steps; Q5_K: the same in two rounds of 4 (values up to 31: int16
    // sums <= 4 * 2 * 31 * 128 = 31744 on AVX2); Q6_K: 16 sub-blocks of 4 steps, scaled every
    // kQ6Steps.
    constexpr int kSub = kSix ? 16 : 8, kSteps = kSix ? Ops::kQ6Steps : kFive ? 4 : 8;
    constexpr int kRounds = kSix ? 4 / Ops::kQ6Steps : kFive ? 2 : 1;
    for (int j = 0; j < kSub; ++j) {
      __m256i sc[H];
#pragma GCC unroll 2
      for (int h = 0; h < H; ++h) sc[h] = Ops::scale(load_v(ws[h], 64 + j));
#pragma GCC unroll 2
      for (int round = 0; round < kRounds; ++round) {
        __m256i p16[H][T];
#pragma GCC unroll 2
        for (int h = 0; h < H; ++h)
#pragma GCC unroll 4
          for (int t = 0; t < T; ++t) p16[h][t] = _mm256_setzero_si256();
#pragma GCC unroll 8
        for (int v = 0; v < kSteps; ++v) {
          const int step = (kSix ? 4 : 8) * j + kSteps * round + v;  // 4-element vector index
          __m256i w[H];
#pragma GCC unroll 2
          for (int h = 0; h < H; ++h) w[h] = load_v(ws[h], step);
#pragma GCC unroll 4
          for (int t = 0; t < T; ++t) {
            const __m256i x =
                _mm256_set1_epi32(load_i32(act + t * act_stride + 256 * s + 4 * step));
#pragma GCC unroll 2
            for (int h = 0; h < H; ++h) p16[h][t] = Ops::step(p16[h][t], w[h], x);
          }
        }
#pragma GCC unroll 2
        for (int h = 0; h < H; ++h)
#pragma GCC unroll 4
          for (int t = 0; t < T; ++t)
            sumi[h][t] = _mm256_add_epi32(sumi[h][t], Ops::finish(p16[h][t], sc[h]));
      }
    }
#pragma GCC unroll 2
    for (int h = 0; h < H; ++h) {
      const __m256 dw =
          _mm256_loadu_ps(reinterpret_cast<const float*>(ws[h] + 32 * (kVectors - (kSix ? 1 : 2))));
#pragma GCC unroll 4
      for (int t = 0; t < T; ++t) {
        const uint8_t* a = act + t * act_stride;
        const auto* pairs = reinterpret_cast<const uint8_t*>(a + pairs_off) + 4 * kPairs * s;
        // Sum over the pairs p of (scale or min pair) . (bsum pair): vpmaddwd, exact in int32.
        __m256i pm = _mm256_setzero_si256();
#pragma GCC unroll 8
        for (int p = 0; p < kPairs; ++p)
          pm = _mm256_add_epi32(pm, _mm256_madd_epi16(load_v(ws[h], (kSix ? 80 : 72) + p),
                                                      _mm256_set1_epi32(load_i32(pairs + 4 * p))));
        float dx;
        std::memcpy(&dx, a + d_off + 4 * s, 4);
        const __m256 vdx = _mm256_set1_ps(dx);
        if constexpr (kSix) {
          // sumi = sum_k sc_k * (q . x)_k - 32 * sum_k sc_k * bsum_k.
          const __m256i si = _mm256_sub_epi32(sumi[h][t], _mm256_slli_epi32(pm, 5));
          acc[h][t] = _mm256_add_ps(acc[h][t],
                                    _mm256_mul_ps(_mm256_mul_ps(dw, vdx), _mm256_cvtepi32_ps(si)));
        } else {
          const __m256 dmin =
              _mm256_loadu_ps(reinterpret_cast<const float*>(ws[h] + 32 * (kVectors - 1)));
          const __m256 plus = _mm256_mul_ps(_mm256_mul_ps(dw, vdx), _mm256_cvtepi32_ps(sumi[h][t]));
          const __m256 minus = _mm256_mul_ps(_mm256_mul_ps(dmin, vdx), _mm256_cvtepi32_ps(pm));
          acc[h][t] = _mm256_add_ps(acc[h][t], _mm256_sub_ps(plus, minus));
        }
      }
    }
  }
#pragma GCC unroll 2
  for (int h = 0; h < H; ++h) {
    const int rows = valid - kHalfRows * h;
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) {
      store_rows(y + t * ldy + kHalfRows * h, acc[h][t], rows);
    }
  }
}

using MicroFn = void (*)(const uint8_t*, size_t, const uint8_t*, size_t, int64_t, float*, int64_t,
                         int);

template <class Ops, bool kSix, bool kFive, int H, int... T>
constexpr MicroFn at_tokens(int t, std::integer_sequence<int, T...>) {
  constexpr MicroFn fns[] = {micro<Ops, kSix, kFive, H, T + 1>...};
  return fns[t - 1];
}

// micro<Ops, kSix, kFive, H, T> for H <= kTileHalves (2), T <= kTileTokens.
template <class Ops, bool kSix, bool kFive>
MicroFn tile(int halves, int tokens) {
  constexpr auto seq = std::make_integer_sequence<int, kTileTokens>{};
  return halves == 1 ? at_tokens<Ops, kSix, kFive, 1>(tokens, seq)
                     : at_tokens<Ops, kSix, kFive, 2>(tokens, seq);
}

template <class Ops, bool kSix, bool kFive>
void run(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* act, int n_tok,
         int64_t n_in, float* y, int64_t ldy) {
  const int64_t nsb = super_blocks(n_in);
  const size_t stride = prepared_bytes<kSix>(n_in);
  const size_t half_bytes = static_cast<size_t>(nsb) * (kSix ? kQ6KVectors : kQ4KVectors) * 32;
  uint8_t* packed = kernel_scratch(half_bytes * kTileHalves);
  int chunk = static_cast<int>(kChunkBytes / stride) / kTileTokens * kTileTokens;
  if (chunk < kTileTokens) chunk = kTileTokens;
  constexpr int kTileRows = kHalfRows * kTileHalves;
  for (int t0 = 0; t0 < n_tok; t0 += chunk) {
    const int t1 = t0 + chunk < n_tok ? t0 + chunk : n_tok;
    for (int64_t r = r0; r < r1; r += kTileRows) {
      const int rows = static_cast<int>(r1 - r < kTileRows ? r1 - r : kTileRows);
      const int halves = (rows + kHalfRows - 1) / kHalfRows;
      for (int h = 0; h < halves; ++h) {
        const int n = rows - kHalfRows * h < kHalfRows ? rows - kHalfRows * h : kHalfRows;
        (kSix    ? q6_k_pack_half
         : kFive ? q45_k_pack_half<BlockQ5_K>
                 : q45_k_pack_half<BlockQ4_K>)(w + (r + kHalfRows * h) * w_stride, w_stride, n, nsb,
                                               packed + h * half_bytes);
      }
      for (int t = t0; t < t1; t += kTileTokens) {
        const int nt = t1 - t < kTileTokens ? t1 - t : kTileTokens;
        tile<Ops, kSix, kFive>(halves, nt)(packed, half_bytes, act + t * stride, stride, nsb,
                                           y + t * ldy + r, ldy, rows);
      }
    }
  }
}

// The GemmKernel of Q4_K (kSix and kFive false), Q5_K (kFive) or Q6_K (kSix).
template <class Ops, bool kSix, bool kFive = false>
constexpr GemmKernel kquant_gemm_kernel() {
  return {prepared_bytes<kSix>, prepare<kSix>, run<Ops, kSix, kFive>, kMinTokens};
}

}  // namespace
}  // namespace hearth::kernels::avx2

// The 256-bit batch (prefill) matrix products for Q4_1, Q5_0 and Q5_1 weights, shared by the AVX2
// (gemm_q4q5_avx2.cpp) and AVX-VNNI (avxvnni/gemm_q4q5_avxvnni.cpp) kernels, which differ only in
// the u8 x s8 step (the Ops policy: vpmaddubsw into int16, or vpdpbusd into int32). Include only
// from those two files: everything is in an unnamed namespace, so each includer compiles its own
// copy with its own flags (ctest isa_symbols).
//
// The layout of the AVX-512 Q8_0 gemm at half the width: the 8 int32 lanes of a vector are
// 8 weight rows, 4 activation bytes of one token are broadcast and multiplied by the unsigned
// weight values. Row tiles are packed per call with plain loads and 8x8 dword transposes
// (kernel_scratch), per half of 8 rows and block of 32 elements:
//   W[j]  j = 0..7  lane i = 4 values q (Q4_1 0..15, Q5_* 0..31) of row i, elements 4j..4j+3
//   D               lane i = d_w (float)
//   M               Q4_1 / Q5_1 only: lane i = m_w (float)
// Prepared activations per token, as the AVX-512 kernels prepare them: qs [nb][32] int8, then
// Q5_0: corr [nb] int32 = -16 * sum(x) and dx [nb] float (Q8_0); Q4_1 / Q5_1: sx [nb] float (the
// Q8_1 block's s) and dx [nb] float (Q8_1).
//
// Numerics: per (row, token), in block order, acc = fma(float(isum), d_w * d_x, acc), then for
// Q4_1 / Q5_1 acc = fma(m_w, s_x, acc), isum the exact integer sum (+ corr): the same operations
// on AVX2 and AVX-VNNI (and the AVX-512 table runs these), whatever the tile or row split.
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

enum class Q45 { kQ4_1, kQ5_0, kQ5_1 };

constexpr int kQ45HalfRows = 8;                // rows per vector
constexpr int kQ45TileHalves = 2;              // halves per microkernel (16 rows)
constexpr int kQ45TileTokens = 3;              // tokens per microkernel
constexpr size_t kQ45ChunkBytes = 512 * 1024;  // prepared tokens per pass over the packed rows
constexpr int kQ45MinTokens = 8;               // below: the dot products

constexpr bool q45_has_min(Q45 k) {
  return k != Q45::kQ5_0;
}
constexpr size_t q45_vectors(Q45 k) {  // 32-byte vectors per half and block
  return q45_has_min(k) ? 10 : 9;
}

inline size_t q45_prepared_bytes(int64_t n_in) {
  return (static_cast<size_t>(n_in / kQK) * 40 + 63) / 64 * 64;
}

template <Q45 kKind>
void q45_prepare(const float* x, void* dst, int64_t n_in) {
  const int64_t nb = n_in / kQK;
  auto* qs = static_cast<int8_t*>(dst);
  auto* aux = reinterpret_cast<int32_t*>(qs + 32 * nb);
  auto* dx = reinterpret_cast<float*>(qs + 36 * nb);
  for (int64_t b = 0; b < nb; ++b) {
    if constexpr (q45_has_min(kKind)) {
      BlockQ8_1 blk;
      scalar::quantize_q8_1_act(x + b * kQK, &blk, kQK);
      std::memcpy(qs + 32 * b, blk.qs, kQK);
      const float sx = _cvtsh_ss(blk.s);
      std::memcpy(aux + b, &sx, 4);
      dx[b] = _cvtsh_ss(blk.d);
    } else {
      BlockQ8_0 blk;
      quantize_q8_0_act(x + b * kQK, &blk, kQK);  // the AVX2 converter: the scalar bits
      std::memcpy(qs + 32 * b, blk.qs, kQK);
      int sum = 0;
      for (int j = 0; j < kQK; ++j) sum += blk.qs[j];
      aux[b] = -16 * sum;
      dx[b] = _cvtsh_ss(blk.d);
    }
  }
}

// One row's block as 32 values in element order: nibbles (low nibbles of qs are elements 0..15,
// high 16..31) with bit e of qh as element e's fifth bit (Q5_*).
template <Q45 kKind>
__m256i q45_values(const uint8_t* blk) {
  const size_t qs_at = kKind == Q45::kQ4_1   ? offsetof(BlockQ4_1, qs)
                       : kKind == Q45::kQ5_0 ? offsetof(BlockQ5_0, qs)
                                             : offsetof(BlockQ5_1, qs);
  const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + qs_at));
  __m256i v = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), _mm256_set1_epi8(0x0F));
  if constexpr (kKind != Q45::kQ4_1) {
    uint32_t bits;
    std::memcpy(&bits,
                blk + (kKind == Q45::kQ5_0 ? offsetof(BlockQ5_0, qh) : offsetof(BlockQ5_1, qh)), 4);
    const __m256i spread =
        _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)),
                            _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2,
                                             2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
    const __m256i select = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ULL));
    const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(spread, select), select);
    v = _mm256_or_si256(v, _mm256_and_si256(set, _mm256_set1_epi8(0x10)));
  }
  return v;
}

// Rows [0, n_rows) (n_rows <= 8) of one half into dst: [nb][9 or 10][32 bytes]; missing rows
// read a zero block.
template <Q45 kKind>
void q45_pack_half(const uint8_t* rows, size_t w_stride, int n_rows, int64_t nb, uint8_t* dst) {
  constexpr size_t kBlock = kKind == Q45::kQ4_1   ? sizeof(BlockQ4_1)
                            : kKind == Q45::kQ5_0 ? sizeof(BlockQ5_0)
                                                  : sizeof(BlockQ5_1);
  static const uint8_t kZero[kBlock] = {};
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* blk[kQ45HalfRows];
    for (int i = 0; i < kQ45HalfRows; ++i)
      blk[i] = i < n_rows ? rows + i * w_stride + b * kBlock : kZero;
    uint8_t* out = dst + b * q45_vectors(kKind) * 32;
    __m256i v[8];
    for (int i = 0; i < 8; ++i) v[i] = q45_values<kKind>(blk[i]);
    transpose8x8_epi32(v);
    for (int j = 0; j < 8; ++j) _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * j), v[j]);
    float d[kQ45HalfRows], m[kQ45HalfRows];
    for (int i = 0; i < kQ45HalfRows; ++i) {
      uint16_t h[2];
      std::memcpy(h, blk[i], 4);  // d, then m (Q4_1 / Q5_1)
      d[i] = _cvtsh_ss(h[0]);
      m[i] = _cvtsh_ss(h[1]);
    }
    std::memcpy(out + 32 * 8, d, sizeof(d));
    if constexpr (q45_has_min(kKind)) std::memcpy(out + 32 * 9, m, sizeof(m));
  }
}

// H packed halves (half_bytes apart) x T prepared tokens (act_stride apart) ->
// y[t * ldy + 8 h + i] for rows 8 h + i < valid.
template <class Ops, Q45 kKind, int H, int T>
void q45_micro(const uint8_t* packed, size_t half_bytes, const uint8_t* act, size_t act_stride,
               int64_t nb, float* y, int64_t ldy, int valid) {
  constexpr bool kMin = q45_has_min(kKind);
  constexpr size_t kVec = q45_vectors(kKind);
  __m256 acc[H][T];
#pragma GCC unroll 2
  for (int h = 0; h < H; ++h)
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) acc[h][t] = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* wb[H];
#pragma GCC unroll 2
    for (int h = 0; h < H; ++h) wb[h] = packed + h * half_bytes + b * kVec * 32;
    __m256i isum[H][T];
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) {
      int32_t c = 0;
      if constexpr (!kMin) std::memcpy(&c, act + t * act_stride + 32 * nb + 4 * b, 4);
#pragma GCC unroll 2
      for (int h = 0; h < H; ++h) isum[h][t] = _mm256_set1_epi32(c);
    }
    // Two rounds of 4 steps: Ops::kSteps4 steps fit Ops' narrow accumulator.
#pragma GCC unroll 2
    for (int round = 0; round < 2; ++round) {
      __m256i p[H][T];
#pragma GCC unroll 2
      for (int h = 0; h < H; ++h)
#pragma GCC unroll 4
        for (int t = 0; t < T; ++t) p[h][t] = _mm256_setzero_si256();
#pragma GCC unroll 4
      for (int v = 0; v < 4; ++v) {
        const int j = 4 * round + v;
        __m256i w[H];
#pragma GCC unroll 2
        for (int h = 0; h < H; ++h)
          w[h] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb[h] + 32 * j));
#pragma GCC unroll 4
        for (int t = 0; t < T; ++t) {
          const __m256i x = _mm256_set1_epi32(load_i32(act + t * act_stride + 32 * b + 4 * j));
#pragma GCC unroll 2
          for (int h = 0; h < H; ++h) p[h][t] = Ops::step(p[h][t], w[h], x);
        }
      }
#pragma GCC unroll 2
      for (int h = 0; h < H; ++h)
#pragma GCC unroll 4
        for (int t = 0; t < T; ++t) isum[h][t] = _mm256_add_epi32(isum[h][t], Ops::finish(p[h][t]));
    }
#pragma GCC unroll 2
    for (int h = 0; h < H; ++h) {
      const __m256 dw = _mm256_loadu_ps(reinterpret_cast<const float*>(wb[h] + 32 * 8));
#pragma GCC unroll 4
      for (int t = 0; t < T; ++t) {
        const uint8_t* a = act + t * act_stride;
        float dx;
        std::memcpy(&dx, a + 36 * nb + 4 * b, 4);
        acc[h][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[h][t]),
                                    _mm256_mul_ps(dw, _mm256_set1_ps(dx)), acc[h][t]);
        if constexpr (kMin) {
          float sx;
          std::memcpy(&sx, a + 32 * nb + 4 * b, 4);
          acc[h][t] =
              _mm256_fmadd_ps(_mm256_loadu_ps(reinterpret_cast<const float*>(wb[h] + 32 * 9)),
                              _mm256_set1_ps(sx), acc[h][t]);
        }
      }
    }
  }
#pragma GCC unroll 2
  for (int h = 0; h < H; ++h)
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t)
      store_rows(y + t * ldy + kQ45HalfRows * h, acc[h][t], valid - kQ45HalfRows * h);
}

using Q45MicroFn = void (*)(const uint8_t*, size_t, const uint8_t*, size_t, int64_t, float*,
                            int64_t, int);

template <class Ops, Q45 kKind, int H, int... T>
constexpr Q45MicroFn q45_at_tokens(int t, std::integer_sequence<int, T...>) {
  constexpr Q45MicroFn fns[] = {q45_micro<Ops, kKind, H, T + 1>...};
  return fns[t - 1];
}

template <class Ops, Q45 kKind>
void q45_run(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* act,
             int n_tok, int64_t n_in, float* y, int64_t ldy) {
  const int64_t nb = n_in / kQK;
  const size_t stride = q45_prepared_bytes(n_in);
  const size_t half_bytes = static_cast<size_t>(nb) * q45_vectors(kKind) * 32;
  uint8_t* packed = kernel_scratch(half_bytes * kQ45TileHalves);
  int chunk = static_cast<int>(kQ45ChunkBytes / stride) / kQ45TileTokens * kQ45TileTokens;
  if (chunk < kQ45TileTokens) chunk = kQ45TileTokens;
  constexpr int kTileRows = kQ45HalfRows * kQ45TileHalves;
  constexpr auto seq = std::make_integer_sequence<int, kQ45TileTokens>{};
  for (int t0 = 0; t0 < n_tok; t0 += chunk) {
    const int t1 = t0 + chunk < n_tok ? t0 + chunk : n_tok;
    for (int64_t r = r0; r < r1; r += kTileRows) {
      const int rows = static_cast<int>(r1 - r < kTileRows ? r1 - r : kTileRows);
      const int halves = (rows + kQ45HalfRows - 1) / kQ45HalfRows;
      for (int h = 0; h < halves; ++h) {
        const int n =
            rows - kQ45HalfRows * h < kQ45HalfRows ? rows - kQ45HalfRows * h : kQ45HalfRows;
        q45_pack_half<kKind>(w + (r + kQ45HalfRows * h) * w_stride, w_stride, n, nb,
                             packed + h * half_bytes);
      }
      for (int t = t0; t < t1; t += kQ45TileTokens) {
        const int nt = t1 - t < kQ45TileTokens ? t1 - t : kQ45TileTokens;
        const Q45MicroFn fn = halves == 1 ? q45_at_tokens<Ops, kKind, 1>(nt, seq)
                                          : q45_at_tokens<Ops, kKind, 2>(nt, seq);
        fn(packed, half_bytes, act + t * stride, stride, nb, y + t * ldy + r, ldy, rows);
      }
    }
  }
}

// The GemmKernel of one of the three types.
template <class Ops, Q45 kKind>
constexpr GemmKernel q45_gemm_kernel() {
  return {q45_prepared_bytes, q45_prepare<kKind>, q45_run<Ops, kKind>, kQ45MinTokens};
}

}  // namespace
}  // namespace hearth::kernels::avx2

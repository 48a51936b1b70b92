// AVX-512 VNNI batch (prefill) matrix products for Q4_1, Q5_0 and Q5_1 weights, in the layout of
// gemm_q8_avx512.cpp: the 16 lanes of a vector are 16 weight rows, 4 activation bytes of one
// token are broadcast, and eight vpdpbusd give a 32-element block's integer sum for 16 rows.
//
//   packed weights, per group of 16 rows, per block b:
//     W[b][j]  j = 0..7   lane i = 4 unsigned values q (Q4_1 0..15, Q5_* 0..31) of row i,
//                         elements 4j..4j+3 (low nibbles of qs are elements 0..15, high 16..31;
//                         bit e of qh is element e's fifth bit)
//     D[b]                lane i = d_w (float)
//     M[b]                Q4_1 / Q5_1 only: lane i = m_w (float)
//   prepared activations, per token: qs [nb][32] int8, then
//     Q5_0:         corr [nb] int32 = -16 * sum of the block's values (removes q's offset
//                   exactly), dx [nb] float (Q8_0, as avx512::quantize_q8_0_act)
//     Q4_1 / Q5_1:  sx [nb] float = s of the Q8_1 block (d_x * sum(q_x)), dx [nb] float
//                   (Q8_1, as scalar::quantize_q8_1_act)
// Per (row, token), in block order: acc = fma(float(isum), d_w * d_x, acc), then for Q4_1 / Q5_1
// acc = fma(m_w, s_x, acc): the scalar dot's exact block integers and its float terms, rounded
// in another order (the tests allow that rounding). The same operations whatever the tile, row
// split or thread count. Decode (a few tokens) keeps the dot products (GemmKernel::min_tokens):
// the packing gathers rows, which only pays when each weight serves many tokens.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "hearth/quant.hpp"
#include "kernels/avx512/avx512_kernels.hpp"
#include "kernels/avx512/q8_0_block_avx512.hpp"
#include "kernels/avx512/row_groups_avx512.hpp"
#include "kernels/scalar/scalar_kernels.hpp"

namespace hearth::kernels::avx512 {
namespace {

enum class Kind { kQ4_1, kQ5_0, kQ5_1 };

constexpr int kMaxGroups = 3;                // row groups per microkernel (48 rows)
constexpr int kMaxTokens = 4;                // tokens per microkernel
constexpr size_t kChunkBytes = 1024 * 1024;  // prepared tokens per pass over the packed rows
constexpr int kMinTokens = 8;                // below: the dot products

constexpr bool has_min(Kind k) {
  return k != Kind::kQ5_0;
}
constexpr bool has_fifth(Kind k) {
  return k != Kind::kQ4_1;
}
// Byte offsets in the file's block: qh (Q5_*), qs; and the block size.
constexpr size_t qh_at(Kind k) {
  return k == Kind::kQ5_0 ? offsetof(BlockQ5_0, qh) : offsetof(BlockQ5_1, qh);
}
constexpr size_t qs_at(Kind k) {
  return k == Kind::kQ4_1   ? offsetof(BlockQ4_1, qs)
         : k == Kind::kQ5_0 ? offsetof(BlockQ5_0, qs)
                            : offsetof(BlockQ5_1, qs);
}
constexpr size_t block_bytes(Kind k) {
  return k == Kind::kQ4_1 ? sizeof(BlockQ4_1)
                          : (k == Kind::kQ5_0 ? sizeof(BlockQ5_0) : sizeof(BlockQ5_1));
}
constexpr size_t packed_block_bytes(Kind k) {
  return (has_min(k) ? 10 : 9) * 64;
}

size_t prepared_bytes(int64_t n_in) {
  return (static_cast<size_t>(n_in / kQK) * 40 + 63) / 64 * 64;
}

template <Kind kKind>
void prepare(const float* x, void* dst, int64_t n_in) {
  const int64_t nb = n_in / kQK;
  auto* qs = static_cast<int8_t*>(dst);
  auto* aux = reinterpret_cast<int32_t*>(qs + 32 * nb);  // corr (Q5_0) or sx bits
  auto* dx = reinterpret_cast<float*>(qs + 36 * nb);
  for (int64_t b = 0; b < nb; ++b) {
    if constexpr (has_min(kKind)) {
      BlockQ8_1 blk;
      scalar::quantize_q8_1_act(x + b * kQK, &blk, kQK);
      std::memcpy(qs + 32 * b, blk.qs, kQK);
      const float sx = _cvtsh_ss(blk.s);
      std::memcpy(aux + b, &sx, 4);
      dx[b] = _cvtsh_ss(blk.d);
    } else {
      int32_t sum;
      dx[b] = _cvtsh_ss(quantize_q8_0_block(x + b * kQK, qs + 32 * b, &sum));
      aux[b] = -16 * sum;
    }
  }
}

// Lane-wise: bits 4j .. 4j+3 of qh moved to bit 4 of bytes 0..3 (the fifth bits of elements
// 4j .. 4j+3).
__m512i fifth_bits(__m512i qh, int j) {
  const __m512i t = _mm512_srli_epi32(qh, 4 * j);
  __m512i r = _mm512_slli_epi32(_mm512_and_si512(t, _mm512_set1_epi32(1)), 4);
  r = _mm512_or_si512(r, _mm512_slli_epi32(_mm512_and_si512(t, _mm512_set1_epi32(2)), 11));
  r = _mm512_or_si512(r, _mm512_slli_epi32(_mm512_and_si512(t, _mm512_set1_epi32(4)), 18));
  return _mm512_or_si512(r, _mm512_slli_epi32(_mm512_and_si512(t, _mm512_set1_epi32(8)), 25));
}

// Rows [0, n_rows) (n_rows <= 16) of one group into dst: [nb][9 or 10][64 bytes]; missing rows
// get zero weights and scales (their lanes are never stored).
template <Kind kKind>
void pack_group(const uint8_t* rows, size_t w_stride, int n_rows, int64_t nb, uint8_t* dst) {
  const __mmask16 m = lane_mask(n_rows);
  const __m512i row_off = row_offsets(w_stride);
  const __m512i zero = _mm512_setzero_si512(), low = _mm512_set1_epi8(0x0F);
  auto gather = [&](const uint8_t* p) {
    return _mm512_mask_i32gather_epi32(zero, m, row_off, p, 1);
  };
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* blk = rows + b * block_bytes(kKind);
    uint8_t* out = dst + b * packed_block_bytes(kKind);
    const __m512i qh = has_fifth(kKind) ? gather(blk + qh_at(kKind)) : zero;
    for (int k = 0; k < 4; ++k) {
      const __m512i q = gather(blk + qs_at(kKind) + 4 * k);
      __m512i lo = _mm512_and_si512(q, low), hi = _mm512_and_si512(_mm512_srli_epi16(q, 4), low);
      if constexpr (has_fifth(kKind)) {
        lo = _mm512_or_si512(lo, fifth_bits(qh, k));
        hi = _mm512_or_si512(hi, fifth_bits(qh, k + 4));
      }
      _mm512_store_si512(out + 64 * k, lo);
      _mm512_store_si512(out + 64 * (k + 4), hi);
    }
    const __m512i dm = gather(blk);  // d in the low half; Q4_1 / Q5_1: m in the high half
    _mm512_store_ps(out + 64 * 8, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(dm)));
    if constexpr (has_min(kKind))
      _mm512_store_ps(out + 64 * 9,
                      _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(dm, 16))));
  }
}

// G packed groups (group_bytes apart) x T prepared tokens (act_stride apart) ->
// y[t * ldy + 16 g + i], lanes of the last group masked by last_mask.
template <Kind kKind, int G, int T>
void micro(const uint8_t* packed, size_t group_bytes, const uint8_t* act, size_t act_stride,
           int64_t nb, float* y, int64_t ldy, __mmask16 last_mask) {
  constexpr bool kMin = has_min(kKind);
  __m512 acc[G][T];
#pragma GCC unroll 4
  for (int g = 0; g < G; ++g)
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) acc[g][t] = _mm512_setzero_ps();
  const int32_t* aux[T];
  const float* dx[T];
#pragma GCC unroll 4
  for (int t = 0; t < T; ++t) {
    aux[t] = reinterpret_cast<const int32_t*>(act + t * act_stride + 32 * nb);
    dx[t] = reinterpret_cast<const float*>(act + t * act_stride + 36 * nb);
  }
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* wb = packed + b * packed_block_bytes(kKind);
    __m512i isum[G][T];
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) {
      const __m512i c = kMin ? _mm512_setzero_si512() : _mm512_set1_epi32(aux[t][b]);
#pragma GCC unroll 4
      for (int g = 0; g < G; ++g) isum[g][t] = c;
    }
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) {
      __m512i w[G];
#pragma GCC unroll 4
      for (int g = 0; g < G; ++g) w[g] = _mm512_load_si512(wb + g * group_bytes + 64 * j);
#pragma GCC unroll 4
      for (int t = 0; t < T; ++t) {
        const __m512i x = _mm512_set1_epi32(load_i32(act + t * act_stride + 32 * b + 4 * j));
#pragma GCC unroll 4
        for (int g = 0; g < G; ++g) isum[g][t] = _mm512_dpbusd_epi32(isum[g][t], w[g], x);
      }
    }
#pragma GCC unroll 4
    for (int g = 0; g < G; ++g) {
      const __m512 dw = _mm512_load_ps(wb + g * group_bytes + 64 * 8);
#pragma GCC unroll 4
      for (int t = 0; t < T; ++t) {
        acc[g][t] = accumulate_block(acc[g][t], isum[g][t], dw, dx[t][b]);
        if constexpr (kMin) {
          float sx;
          std::memcpy(&sx, aux[t] + b, 4);
          acc[g][t] = _mm512_fmadd_ps(_mm512_load_ps(wb + g * group_bytes + 64 * 9),
                                      _mm512_set1_ps(sx), acc[g][t]);
        }
      }
    }
  }
#pragma GCC unroll 4
  for (int t = 0; t < T; ++t)
#pragma GCC unroll 4
    for (int g = 0; g < G; ++g)
      _mm512_mask_storeu_ps(y + t * ldy + kLanes * g, g == G - 1 ? last_mask : __mmask16{0xFFFF},
                            acc[g][t]);
}

template <int G, int T>
struct Q41Tile {
  static constexpr auto run = micro<Kind::kQ4_1, G, T>;
};
template <int G, int T>
struct Q50Tile {
  static constexpr auto run = micro<Kind::kQ5_0, G, T>;
};
template <int G, int T>
struct Q51Tile {
  static constexpr auto run = micro<Kind::kQ5_1, G, T>;
};

template <Kind kKind, template <int, int> class Tile>
void run(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* act, int n_tok,
         int64_t n_in, float* y, int64_t ldy) {
  static constexpr TileTable<Tile, kMaxGroups, kMaxTokens> kTiles;
  const int64_t nb = n_in / kQK;
  const size_t stride = prepared_bytes(n_in);
  const size_t group_bytes = static_cast<size_t>(nb) * packed_block_bytes(kKind);
  uint8_t* packed = pack_buffer(group_bytes * kMaxGroups);
  run_packed<kMaxGroups, kMaxTokens>(
      r0, r1, n_tok, token_chunk(kChunkBytes, stride, kMaxTokens),
      [&](int64_t r, int g, int n_rows) {
        pack_group<kKind>(w + (r + kLanes * g) * w_stride, w_stride, n_rows, nb,
                          packed + g * group_bytes);
      },
      [&](int t, int nt, int64_t r, int groups, __mmask16 last_mask) {
        kTiles.at(groups, nt)(packed, group_bytes, act + t * stride, stride, nb, y + t * ldy + r,
                              ldy, last_mask);
      });
}

}  // namespace

const GemmKernel kGemmQ4_1 = {prepared_bytes, prepare<Kind::kQ4_1>, run<Kind::kQ4_1, Q41Tile>,
                              kMinTokens};
const GemmKernel kGemmQ5_0 = {prepared_bytes, prepare<Kind::kQ5_0>, run<Kind::kQ5_0, Q50Tile>,
                              kMinTokens};
const GemmKernel kGemmQ5_1 = {prepared_bytes, prepare<Kind::kQ5_1>, run<Kind::kQ5_1, Q51Tile>,
                              kMinTokens};

}  // namespace hearth::kernels::avx512

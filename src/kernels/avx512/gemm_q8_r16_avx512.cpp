// AVX-512 VNNI matrix products for Q8_0 and Q4_0 weights in the R16 layout
// (kernels/packed_rows.hpp), written once by the model loader: Y[t][r] = W[r] . x[t].
//
// The arithmetic is that of gemm_q8_avx512.cpp (16 weight rows in the 16 lanes, one token's 4
// activation bytes broadcast, eight vpdpbusd per block, then acc += float(isum) * (d_w * d_x) in
// block order), so results are bit-identical to the row-layout kernels; only the weights' source
// differs: every weight vector is one plain 64-byte load from a stream that the hardware
// prefetcher follows, instead of a 16-row gather (slow on AMD Zen 4/5: decode ran 8x slower than
// the AVX2 dot products there) or a packed copy made per call (prefill).
//
// Weights per group of 16 rows (g), nb blocks: qs [nb][V][16][4] then d [nb][16] fp16, with
// V = 8 vectors of signed bytes (Q8_0, made unsigned here by xor 0x80 = w + 128) or V = 4 vectors
// of nibble pairs (Q4_0: low nibbles elements 4j.., high nibbles 16 + 4j..; q = w + 8).
// Activations: as prepared by gemm_q8_avx512.cpp per token, qs [nb][32] int8, corr [nb] int32
// (-offset * sum of the block, which removes the weights' offset exactly), dx [nb] float.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "hearth/quant.hpp"
#include "kernels/avx512/avx512_kernels.hpp"
#include "kernels/avx512/q8_0_block_avx512.hpp"
#include "kernels/avx512/row_groups_avx512.hpp"
#include "kernels/packed_rows.hpp"

namespace hearth::kernels::avx512 {
namespace {

enum class WeightKind { kQ8_0, kQ4_0 };

constexpr int kMaxGroups = 3;                // row groups per prefill microkernel (48 rows)
constexpr int kMaxTokens = 4;                // tokens per prefill microkernel
constexpr int kDecodeGroups = 4;             // row groups per single-token microkernel
constexpr size_t kChunkBytes = 1024 * 1024;  // prepared tokens kept in L2 per pass
constexpr int kSmallBatch = 32;              // batches up to this prefetch the next row tile

size_t prepared_bytes(int64_t n_in) {
  return (static_cast<size_t>(n_in / kQK) * 40 + 63) / 64 * 64;
}

template <WeightKind kKind>
constexpr size_t qs_per_block() {  // bytes of one block's weight vectors in a group
  return kKind == WeightKind::kQ8_0 ? 8 * 64 : 4 * 64;
}

inline __m512 load_scales(const uint8_t* d) {
  return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(d)));
}

// G groups (group_bytes apart, from `group`) x T prepared tokens (act_stride apart) ->
// y[t * ldy + 16 g + i]. Per block it also prefetches pf_lines cache lines from pf (the next row
// tile of a small batch, see run_r16; none for decode and prefill): prefetches change no result.
template <WeightKind kKind, int G, int T>
void micro(const uint8_t* group, size_t group_bytes, const uint8_t* act, size_t act_stride,
           int64_t nb, float* y, int64_t ldy, const uint8_t* pf, int pf_lines) {
  constexpr size_t kQs = qs_per_block<kKind>();
  const size_t scales_at = static_cast<size_t>(nb) * kQs;
  __m512 acc[G][T];
  const int32_t* corr[T];
  const float* dx[T];
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
    corr[t] = reinterpret_cast<const int32_t*>(act + t * act_stride + 32 * nb);
    dx[t] = reinterpret_cast<const float*>(act + t * act_stride + 36 * nb);
#pragma GCC unroll 4
    for (int g = 0; g < G; ++g) acc[g][t] = _mm512_setzero_ps();
  }
  constexpr int kVectors = kKind == WeightKind::kQ8_0 ? 8 : 4;
  for (int64_t b = 0; b < nb; ++b) {
    for (int i = 0; i < pf_lines; ++i)
      _mm_prefetch(reinterpret_cast<const char*>(pf + 64 * (b * pf_lines + i)), _MM_HINT_T0);
    // Activation bytes k..k+3 of token t's block b, in every lane.
    auto broadcast = [&](int t, int k) {
      return _mm512_set1_epi32(load_i32(act + t * act_stride + 32 * b + k));
    };
    __m512i isum[G][T];
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      const __m512i c = _mm512_set1_epi32(corr[t][b]);
#pragma GCC unroll 4
      for (int g = 0; g < G; ++g) isum[g][t] = c;
    }
    // Vector jj of every group, applied to every token (j outer, groups inner: G weight
    // vectors live at a time, so G = 3, T = 4 keeps all 24 sums in registers).
#pragma GCC unroll 8
    for (int jj = 0; jj < kVectors; ++jj) {
      __m512i q[G];
#pragma GCC unroll 4
      for (int g = 0; g < G; ++g)
        q[g] = _mm512_loadu_si512(group + g * group_bytes + b * kQs + 64 * jj);
#pragma GCC unroll 4
      for (int g = 0; g < G; ++g) {
        if constexpr (kKind == WeightKind::kQ8_0) {
          const __m512i w = _mm512_xor_si512(q[g], _mm512_set1_epi8(static_cast<char>(0x80)));
#pragma GCC unroll 8
          for (int t = 0; t < T; ++t)
            isum[g][t] = _mm512_dpbusd_epi32(isum[g][t], w, broadcast(t, 4 * jj));
        } else {
          const __m512i low = _mm512_set1_epi8(0x0F);
          const __m512i lo = _mm512_and_si512(q[g], low);
          const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(q[g], 4), low);
#pragma GCC unroll 8
          for (int t = 0; t < T; ++t) {
            isum[g][t] = _mm512_dpbusd_epi32(isum[g][t], lo, broadcast(t, 4 * jj));
            isum[g][t] = _mm512_dpbusd_epi32(isum[g][t], hi, broadcast(t, 16 + 4 * jj));
          }
        }
      }
    }
#pragma GCC unroll 4
    for (int g = 0; g < G; ++g) {
      const __m512 dw = load_scales(group + g * group_bytes + scales_at + 32 * b);
#pragma GCC unroll 8
      for (int t = 0; t < T; ++t) acc[g][t] = accumulate_block(acc[g][t], isum[g][t], dw, dx[t][b]);
    }
  }
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t)
#pragma GCC unroll 4
    for (int g = 0; g < G; ++g) _mm512_storeu_ps(y + t * ldy + kLanes * g, acc[g][t]);
}

template <WeightKind kKind>
struct Kind {
  template <int G, int T>
  struct Tile {
    static constexpr auto run = micro<kKind, G, T>;
  };
};

template <WeightKind kKind, int SG, int ST>
void run_small(const uint8_t* packed, size_t group_bytes, int64_t r0, int64_t r1,
               const uint8_t* act, size_t stride, int n_tok, int64_t nb, float* y, int64_t ldy) {
  static constexpr TileTable<Kind<kKind>::template Tile, SG, ST> kSmallTiles;
  run_small_batch<SG, ST>(kSmallTiles, packed, group_bytes, r0, r1, act, stride, n_tok, nb, y, ldy);
}

template <WeightKind kKind>
void run_r16(const uint8_t* packed, size_t row_bytes, int64_t r0, int64_t r1, const uint8_t* act,
             int n_tok, int64_t n_in, float* y, int64_t ldy) {
  static constexpr TileTable<Kind<kKind>::template Tile, kMaxGroups, kMaxTokens> kTiles;
  const int64_t nb = n_in / kQK;
  const size_t group_bytes = kPackedRows * row_bytes;
  if (n_tok == 1) {
    // Decode: each weight is used once; more row streams per call amortize the broadcasts.
    run_small<kKind, kDecodeGroups, 1>(packed, group_bytes, r0, r1, act, 0, 1, nb, y, ldy);
    return;
  }
  const size_t stride = prepared_bytes(n_in);
  if (n_tok <= kSmallBatch) {
    // Q8_0 up to 8 tokens: one pass of 16 rows x all tokens (measured faster than 48 rows x 4
    // tokens, which needs two passes at 8); Q4_0 (half the bytes, an unpack per vector) and
    // larger batches: the prefill tiles, whose loads per vpdpbusd are fewer.
    if (kKind == WeightKind::kQ8_0 && n_tok <= 8)
      run_small<kKind, 1, 8>(packed, group_bytes, r0, r1, act, stride, n_tok, nb, y, ldy);
    else
      run_small<kKind, kMaxGroups, kMaxTokens>(packed, group_bytes, r0, r1, act, stride, n_tok, nb,
                                               y, ldy);
    return;
  }
  run_packed<kMaxGroups, kMaxTokens>(
      r0, r1, n_tok, token_chunk(kChunkBytes, stride, kMaxTokens), [](int64_t, int, int) {},
      [&](int t, int nt, int64_t r, int n_groups, __mmask16) {
        kTiles.at(n_groups, nt)(packed + static_cast<size_t>(r / kPackedRows) * group_bytes,
                                group_bytes, act + t * stride, stride, nb, y + t * ldy + r, ldy,
                                nullptr, 0);
      });
}

}  // namespace

void run_r16_q8_0(const uint8_t* packed, size_t row_bytes, int64_t r0, int64_t r1,
                  const uint8_t* act, int n_tok, int64_t n_in, float* y, int64_t ldy) {
  run_r16<WeightKind::kQ8_0>(packed, row_bytes, r0, r1, act, n_tok, n_in, y, ldy);
}

void run_r16_q4_0(const uint8_t* packed, size_t row_bytes, int64_t r0, int64_t r1,
                  const uint8_t* act, int n_tok, int64_t n_in, float* y, int64_t ldy) {
  run_r16<WeightKind::kQ4_0>(packed, row_bytes, r0, r1, act, n_tok, n_in, y, ldy);
}

}  // namespace hearth::kernels::avx512

// The 256-bit "8 rows per vector" matrix products for Q8_0 and Q4_0 weights, Y[t][r] = W[r] . x[t],
// shared by the AVX2 (gemm_q8_avx2.cpp) and AVX-VNNI (avxvnni/gemm_q8_avxvnni.cpp) kernels, which
// differ only in how they multiply 4 unsigned by 4 signed bytes into an int32 lane (the Ops
// policy). Include only from those two files: the bodies need their flags, and everything here is
// in an unnamed namespace, so each includer compiles its own copy and no weak symbol compiled with
// ISA flags can stand in for another (ctest isa_symbols).
//
// The design of avx512/gemm_q8_avx512.cpp at half the width: the 8 int32 lanes of a vector are 8
// weight rows, and one token's 4 activation bytes are broadcast to all lanes, so 8 (Q8_0) or
// 4 x 2 (Q4_0 nibbles) u8 x s8 steps give one block's integer sums of 8 rows at once, and the
// float step (convert, d_w * d_x, fma) runs once per block and 8 rows. The weights are read in the
// R16 layout (kernels/packed_rows.hpp), each 64-byte vector as two halves: rows 0-7 (low 32 bytes)
// and rows 8-15 (high 32 bytes) of the group; `run` on the row layout first packs a tile of rows
// into that layout (plain loads and an 8x8 / 4x4 dword transpose, no gathers), so both paths run
// the same microkernels.
//
// Numerics: per (row, token) the result is, over blocks in order, acc = fma(float(isum_b),
// d_w * d_x, acc) with isum_b the exact integer dot product of the block: the same bits whatever
// the tile, the batch, the row split or the layout, and the same as the AVX-512 kernels.
//
// Prepared activations, per token (prepared_bytes):
//   qs   [nb][32] int8    Q8_0-quantized values (avx2::quantize_q8_0_act), natural order
//   corr [nb]     int32   the integer sum's starting value: -offset * sum of the block's values,
//                         removing the offset the Ops add to make the weights unsigned
//   dx   [nb]     float   the block scale (F16 rounded, as Q8_0 stores it)
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#include "hearth/quant.hpp"
#include "kernels/avx2/avx2_kernels.hpp"
#include "kernels/avx2/simd_avx2.hpp"
#include "kernels/kernel_table.hpp"

namespace hearth::kernels::avx2 {
namespace {

enum class WeightKind { kQ8_0, kQ4_0 };

constexpr int kHalfRows = 8;         // rows per 256-bit vector: one per int32 / float lane
constexpr int kGroupRows = 16;       // rows per R16 group (kernels/packed_rows.hpp)
constexpr int kMaxHalves = 4;        // 8-row halves per batch microkernel (two groups)
constexpr int kMaxTokens = 4;        // tokens per batch microkernel
constexpr int kMaxDecodeHalves = 4;  // 8-row halves per single-token microkernel (two groups)
constexpr size_t kChunkBytes = 512 * 1024;  // prepared tokens kept in L2 per pass
constexpr int kSmallBatch = 32;  // batches up to this (and one token) prefetch the next row tile

// Bytes of one block's quants in one row (and of its 4-byte vectors per lane times 4).
template <WeightKind kKind>
constexpr size_t block_qs_bytes() {
  return kKind == WeightKind::kQ8_0 ? sizeof(BlockQ8_0::qs) : sizeof(BlockQ4_0::qs);
}
template <WeightKind kKind>
constexpr size_t file_block_bytes() {
  return kKind == WeightKind::kQ8_0 ? sizeof(BlockQ8_0) : sizeof(BlockQ4_0);
}

inline size_t prepared_bytes(int64_t n_in) {
  const size_t bytes = static_cast<size_t>(n_in / kQK) * 40;
  return (bytes + 63) / 64 * 64;
}

// x: [n_in] -> one prepared row. Quantized by the AVX2 converter (bit-identical to the scalar
// and AVX-512 ones), one block at a time into the kernel's layout.
template <int kOffset>
void prepare(const float* x, void* dst, int64_t n_in) {
  const int64_t nb = n_in / kQK;
  auto* qs = static_cast<int8_t*>(dst);
  auto* corr = reinterpret_cast<int32_t*>(qs + 32 * nb);
  auto* dx = reinterpret_cast<float*>(qs + 36 * nb);
  const __m256i ones8 = _mm256_set1_epi8(1), ones16 = _mm256_set1_epi16(1);
  for (int64_t b = 0; b < nb; ++b) {
    BlockQ8_0 blk;
    quantize_q8_0_act(x + b * kQK, &blk, kQK);
    const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk.qs));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(qs + 32 * b), q);
    // sum(q): |pairs| <= 256, then int32 lanes, then a horizontal sum.
    const __m256i s = _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, q), ones16);
    __m128i h = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
    h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4E));
    h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0xB1));
    corr[b] = -kOffset * _mm_cvtsi128_si32(h);
    dx[b] = _cvtsh_ss(blk.d);
  }
}

// The microkernel: H halves (8 rows each) x T prepared tokens (act_stride apart).
//   w:  the first half's group in the R16 layout: qs at w + b * qs_block, half h of vector j of
//       block b at (h / 2) * group_bytes + b * qs_block + 64 j + 32 (h % 2); scales at scales_at
//       past each group's start, half h's 8 fp16 at + 32 b + 16 (h % 2)
//   y:  y[t * ldy + 8 h + i] for rows 8 h + i < valid (the rest of the tile is not stored)
template <class Ops, WeightKind kKind, int H, int T>
void micro(const uint8_t* w, size_t group_bytes, size_t scales_at, int64_t nb, const uint8_t* act,
           size_t act_stride, float* y, int64_t ldy, int valid, const uint8_t* pf, int pf_lines) {
  constexpr size_t kQsBlock = kGroupRows * block_qs_bytes<kKind>();
  const uint8_t* half[H];
#pragma GCC unroll 4
  for (int h = 0; h < H; ++h) half[h] = w + (h / 2) * group_bytes + 32 * (h % 2);
  const int32_t* corr[T];
  const float* dx[T];
  __m256 acc[H][T];
#pragma GCC unroll 4
  for (int t = 0; t < T; ++t) {
    corr[t] = reinterpret_cast<const int32_t*>(act + t * act_stride + 32 * nb);
    dx[t] = reinterpret_cast<const float*>(act + t * act_stride + 36 * nb);
#pragma GCC unroll 4
    for (int h = 0; h < H; ++h) acc[h][t] = _mm256_setzero_ps();
  }
  for (int64_t b = 0; b < nb; ++b) {
    const size_t wb = static_cast<size_t>(b) * kQsBlock;
    __m256i isum[H][T];
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) {
      const __m256i c = _mm256_set1_epi32(corr[t][b]);
#pragma GCC unroll 4
      for (int h = 0; h < H; ++h) isum[h][t] = Ops::template begin<kKind>(c);
    }
    // A small batch's or a single token's share of the next row tile (run_packed; changes no
    // result).
    for (int i = 0; i < pf_lines; ++i)
      _mm_prefetch(reinterpret_cast<const char*>(pf + 64 * (b * pf_lines + i)), _MM_HINT_T0);
    if constexpr (kKind == WeightKind::kQ8_0) {
#pragma GCC unroll 8
      for (int j = 0; j < 8; ++j) {
        typename Ops::Q8Weight wv[H];
#pragma GCC unroll 4
        for (int h = 0; h < H; ++h)
          wv[h] = Ops::q8_weight(
              _mm256_loadu_si256(reinterpret_cast<const __m256i*>(half[h] + wb + 64 * j)));
#pragma GCC unroll 4
        for (int t = 0; t < T; ++t) {
          const __m256i x = _mm256_set1_epi32(load_i32(act + t * act_stride + 32 * b + 4 * j));
#pragma GCC unroll 4
          for (int h = 0; h < H; ++h) isum[h][t] = Ops::q8_dot(isum[h][t], wv[h], x);
        }
      }
    } else {
      // Vector j holds elements 4j..4j+3 in its low nibbles and 16+4j..16+4j+3 in its high ones.
      const __m256i low4 = _mm256_set1_epi8(0x0F);
#pragma GCC unroll 4
      for (int j = 0; j < 4; ++j) {
        __m256i lo[H], hi[H];
#pragma GCC unroll 4
        for (int h = 0; h < H; ++h) {
          const __m256i q =
              _mm256_loadu_si256(reinterpret_cast<const __m256i*>(half[h] + wb + 64 * j));
          lo[h] = _mm256_and_si256(q, low4);
          hi[h] = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
        }
#pragma GCC unroll 4
        for (int t = 0; t < T; ++t) {
          const uint8_t* a = act + t * act_stride + 32 * b + 4 * j;
          const __m256i xl = _mm256_set1_epi32(load_i32(a));
          const __m256i xh = _mm256_set1_epi32(load_i32(a + 16));
#pragma GCC unroll 4
          for (int h = 0; h < H; ++h)
            isum[h][t] = Ops::q4_dot(Ops::q4_dot(isum[h][t], lo[h], xl), hi[h], xh);
        }
      }
    }
#pragma GCC unroll 4
    for (int h = 0; h < H; ++h) {
      const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(
          w + (h / 2) * group_bytes + scales_at + 32 * b + 16 * (h % 2))));
#pragma GCC unroll 4
      for (int t = 0; t < T; ++t) {
        const __m256i s = Ops::template end<kKind>(isum[h][t], _mm256_set1_epi32(corr[t][b]));
        acc[h][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s),
                                    _mm256_mul_ps(dw, _mm256_set1_ps(dx[t][b])), acc[h][t]);
      }
    }
  }
#pragma GCC unroll 4
  for (int h = 0; h < H; ++h) {
    const int rows = valid - kHalfRows * h;
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) {
      store_rows(y + t * ldy + kHalfRows * h, acc[h][t], rows);
    }
  }
}

// micro<Ops, kKind, H, T> by tile shape, H <= kH, T <= kT.
template <class Ops, WeightKind kKind, int kH, int kT>
class Tiles {
 public:
  using Fn = void (*)(const uint8_t*, size_t, size_t, int64_t, const uint8_t*, size_t, float*,
                      int64_t, int, const uint8_t*, int);
  constexpr Tiles() : Tiles(std::make_integer_sequence<int, kH * kT>{}) {}
  Fn at(int halves, int tokens) const { return fns_[(halves - 1) * kT + tokens - 1]; }

 private:
  template <int... I>
  constexpr explicit Tiles(std::integer_sequence<int, I...>)
      : fns_{micro<Ops, kKind, I / kT + 1, I % kT + 1>...} {}
  Fn fns_[kH * kT];
};

// The batch tiles (up to Ops::kHalves x Ops::kTokens) and the single-token ones (up to
// Ops::kDecodeHalves x 1): a token alone streams more rows at once, since each weight is used once
// and more streams in flight read memory faster.
template <class Ops, WeightKind kKind>
struct TileSet {
  static_assert(Ops::kHalves <= kMaxHalves && Ops::kTokens <= kMaxTokens &&
                Ops::kDecodeHalves <= kMaxDecodeHalves);
  // A batch whose last chunk holds one token runs that token on the decode tiles.
  static_assert(Ops::kHalves <= Ops::kDecodeHalves);
  Tiles<Ops, kKind, Ops::kHalves, Ops::kTokens> batch;
  Tiles<Ops, kKind, Ops::kDecodeHalves, 1> decode;
};

// Rows [0, n_rows) (n_rows <= 16) of a row-layout weight (rows w_stride apart) -> one R16 group of
// nb blocks at dst (qs, then scales at scales_at); missing rows read a zero block (zero weights
// and scales; their lanes are never stored).
template <WeightKind kKind>
void pack_group(const uint8_t* rows, size_t w_stride, int n_rows, int64_t nb, size_t scales_at,
                uint8_t* dst) {
  constexpr size_t kBlock = file_block_bytes<kKind>();
  constexpr size_t kQsBlock = kGroupRows * block_qs_bytes<kKind>();
  alignas(32) static const uint8_t kZeroBlock[kBlock] = {};
  const uint8_t* row[kGroupRows];
  size_t step[kGroupRows];
  for (int i = 0; i < kGroupRows; ++i) {
    row[i] = i < n_rows ? rows + static_cast<size_t>(i) * w_stride : kZeroBlock;
    step[i] = i < n_rows ? kBlock : 0;
  }
  for (int64_t b = 0; b < nb; ++b) {
    uint8_t* out = dst + static_cast<size_t>(b) * kQsBlock;
    const uint8_t* blk[kGroupRows];
    for (int i = 0; i < kGroupRows; ++i) blk[i] = row[i] + static_cast<size_t>(b) * step[i];
    for (int half = 0; half < 2; ++half) {
      const uint8_t* const* r = blk + kHalfRows * half;
      if constexpr (kKind == WeightKind::kQ8_0) {
        // 8 rows x 8 dwords -> 8 vectors of one dword per row (an 8x8 transpose).
        __m256i v[8];
        for (int i = 0; i < 8; ++i)
          v[i] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r[i] + 2));
        transpose8x8_epi32(v);
        for (int j = 0; j < 8; ++j)
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 64 * j + 32 * half), v[j]);
      } else {
        // Rows i and i + 4 share a vector (low / high 128 bits), then a 4x4 transpose per lane.
        __m256i a[4], t[4];
        for (int i = 0; i < 4; ++i)
          a[i] = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(r[i + 4] + 2),
                                     reinterpret_cast<const __m128i*>(r[i] + 2));
        t[0] = _mm256_unpacklo_epi32(a[0], a[1]);
        t[1] = _mm256_unpackhi_epi32(a[0], a[1]);
        t[2] = _mm256_unpacklo_epi32(a[2], a[3]);
        t[3] = _mm256_unpackhi_epi32(a[2], a[3]);
        const __m256i w[4] = {_mm256_unpacklo_epi64(t[0], t[2]), _mm256_unpackhi_epi64(t[0], t[2]),
                              _mm256_unpacklo_epi64(t[1], t[3]), _mm256_unpackhi_epi64(t[1], t[3])};
        for (int j = 0; j < 4; ++j)
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 64 * j + 32 * half), w[j]);
      }
    }
    uint8_t* d = dst + scales_at + 32 * static_cast<size_t>(b);
    for (int i = 0; i < kGroupRows; ++i) std::memcpy(d + 2 * i, blk[i], 2);
  }
}

// Token chunk such that chunk prepared rows of `stride` bytes fit in kChunkBytes, a multiple of
// the tile's token count (at least one tile).
inline int token_chunk(size_t stride, int tile_tokens) {
  const int chunk =
      static_cast<int>(kChunkBytes / (stride ? stride : 1)) / tile_tokens * tile_tokens;
  return chunk < tile_tokens ? tile_tokens : chunk;
}

// Runs the tiles of one row tile (halves x 8 rows, valid of them stored, weights at w) over
// tokens [t0, t1) in tiles of up to Ops::kTokens.
// (A single token, t1 - t0 == 1, runs the decode tiles.) The token tiles share the prefetch of
// next_lines cache lines from next (the next row tile of a small batch or of a single token; 0
// for none).
template <class Ops, WeightKind kKind>
void run_tokens(const TileSet<Ops, kKind>& tiles, const uint8_t* w, size_t group_bytes,
                size_t scales_at, int64_t nb, int halves, int valid, const uint8_t* act,
                size_t stride, int t0, int t1, float* y, int64_t ldy, const uint8_t* next = nullptr,
                int64_t next_lines = 0) {
  if (t1 - t0 == 1) {
    tiles.decode.at(halves, 1)(w, group_bytes, scales_at, nb, act + t0 * stride, stride,
                               y + t0 * ldy, ldy, valid, next,
                               static_cast<int>((next_lines + nb - 1) / nb));
    return;
  }
  const int n_tiles = (t1 - t0 + Ops::kTokens - 1) / Ops::kTokens;
  for (int k = 0; k < n_tiles; ++k) {
    const int t = t0 + k * Ops::kTokens;
    const int nt = t1 - t < Ops::kTokens ? t1 - t : Ops::kTokens;
    const int64_t l0 = next_lines * k / n_tiles, l1 = next_lines * (k + 1) / n_tiles;
    tiles.batch.at(halves, nt)(w, group_bytes, scales_at, nb, act + t * stride, stride, y + t * ldy,
                               ldy, valid, next + 64 * l0,
                               static_cast<int>((l1 - l0 + nb - 1) / nb));
  }
}

// GemmKernel::run_packed: rows [r0, r1) (multiples of 16) of an R16 weight. One token (decode)
// streams Ops::kDecodeHalves halves at a time; batches walk row tiles of Ops::kHalves halves, each
// applied to a chunk of tokens that stays in L2. A small batch (up to kSmallBatch tokens: the
// engine's decode step) runs several token tiles on a row tile: the first reads it from memory,
// the others from cache while the memory idles, so the token tiles prefetch the next row tile
// among them (as the AVX-512 kernels do; there, 8 tokens of qwen2.5-0.5b-shaped layers went from
// 6.6 to 3.9 ms with it). One token prefetches the next row tile too, in address order spread
// over the blocks: the hardware prefetcher alone keeps too few lines in flight for these streams
// (a 2048-byte prefetch ahead in each group's stream did better, but less). Zen 5, one thread,
// hearth_bench R16/*/tok1 (896 in / 4864 in): AVX2 Q4_0 15 -> 20 / 18 -> 20 GB/s, Q8_0 16 -> 26 /
// 23 -> 25; AVX-VNNI Q4_0 15 -> 26 / 22 -> 26, Q8_0 18 -> 26 / 21 -> 22; qwen2.5-0.5b Q4_0 tg,
// one thread: AVX2 59-65 -> 78, AVX-VNNI 55 -> 76 tok/s.
template <class Ops, WeightKind kKind>
void run_packed(const uint8_t* packed, size_t row_bytes, int64_t r0, int64_t r1, const uint8_t* act,
                int n_tok, int64_t n_in, float* y, int64_t ldy) {
  static constexpr TileSet<Ops, kKind> kTiles;
  const int64_t nb = n_in / kQK;
  const size_t group_bytes = kGroupRows * row_bytes;
  const size_t scales_at = static_cast<size_t>(nb) * kGroupRows * block_qs_bytes<kKind>();
  const size_t stride = prepared_bytes(n_in);
  const int tile_halves = n_tok == 1 ? Ops::kDecodeHalves : Ops::kHalves;
  const int chunk = token_chunk(stride, Ops::kTokens);
  for (int t0 = 0; t0 < n_tok; t0 += chunk) {
    const int t1 = t0 + chunk < n_tok ? t0 + chunk : n_tok;
    for (int64_t r = r0; r < r1; r += kHalfRows * tile_halves) {
      const int rows =
          static_cast<int>(r1 - r < kHalfRows * tile_halves ? r1 - r : kHalfRows * tile_halves);
      const int64_t next_rows =
          n_tok <= kSmallBatch ? std::min<int64_t>(r1 - r - rows, kHalfRows * tile_halves) : 0;
      const int64_t next_lines =
          next_rows > 0 ? static_cast<int64_t>(next_rows / kGroupRows * group_bytes / 64) : 0;
      run_tokens<Ops, kKind>(kTiles, packed + (r / kGroupRows) * group_bytes, group_bytes,
                             scales_at, nb, rows / kHalfRows, rows, act, stride, t0, t1, y + r, ldy,
                             packed + ((r + rows) / kGroupRows) * group_bytes, next_lines);
    }
  }
}

// GemmKernel::run: rows [r0, r1) of a row-layout weight (any count). Each row tile is packed into
// the thread's scratch in the R16 layout (tile_halves / 2 groups, the last one partial) once per
// token chunk, then runs the same microkernels as run_packed.
template <class Ops, WeightKind kKind>
void run(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* act, int n_tok,
         int64_t n_in, float* y, int64_t ldy) {
  static constexpr TileSet<Ops, kKind> kTiles;
  const int64_t nb = n_in / kQK;
  const size_t group_bytes = kGroupRows * static_cast<size_t>(nb) * file_block_bytes<kKind>();
  const size_t scales_at = static_cast<size_t>(nb) * kGroupRows * block_qs_bytes<kKind>();
  const size_t stride = prepared_bytes(n_in);
  const int tile_halves = n_tok == 1 ? Ops::kDecodeHalves : Ops::kHalves;
  const int tile_groups = (tile_halves + 1) / 2;
  uint8_t* scratch = kernel_scratch(group_bytes * tile_groups);
  const int chunk = token_chunk(stride, Ops::kTokens);
  for (int t0 = 0; t0 < n_tok; t0 += chunk) {
    const int t1 = t0 + chunk < n_tok ? t0 + chunk : n_tok;
    for (int64_t r = r0; r < r1; r += kHalfRows * tile_halves) {
      const int rows =
          static_cast<int>(r1 - r < kHalfRows * tile_halves ? r1 - r : kHalfRows * tile_halves);
      for (int g = 0; g * kGroupRows < rows; ++g) {
        const int n = rows - g * kGroupRows < kGroupRows ? rows - g * kGroupRows : kGroupRows;
        pack_group<kKind>(w + (r + g * kGroupRows) * w_stride, w_stride, n, nb, scales_at,
                          scratch + g * group_bytes);
      }
      run_tokens<Ops, kKind>(kTiles, scratch, group_bytes, scales_at, nb,
                             (rows + kHalfRows - 1) / kHalfRows, rows, act, stride, t0, t1, y + r,
                             ldy);
    }
  }
}

// The GemmKernel of one weight kind: activations prepared with the Ops' offset (Q4_0 always 8:
// its nibbles are unsigned for every Ops).
template <class Ops, WeightKind kKind>
constexpr GemmKernel gemm_kernel() {
  GemmKernel g{};
  g.prepared_bytes = prepared_bytes;
  g.prepare = prepare < kKind == WeightKind::kQ8_0 ? Ops::kQ8Offset : 8 > ;
  g.run = run<Ops, kKind>;
  g.run_packed = run_packed<Ops, kKind>;
  return g;
}

}  // namespace
}  // namespace hearth::kernels::avx2

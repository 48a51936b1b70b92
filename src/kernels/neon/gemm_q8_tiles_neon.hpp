// The NEON "4 rows per vector" matrix products for Q8_0 and Q4_0 weights, Y[t][r] = W[r] . x[t],
// shared by the neon (gemm_q8_neon.cpp), neon-dotprod (gemm_q8_dotprod.cpp) and neon-i8mm
// (gemm_q8_i8mm.cpp) kernels, which differ only in how a block's integer sums are formed (the
// Ops policy: smull + sadalp, sdot by lane, or smmla on 2 rows x 2 tokens). Include only from
// those files: the bodies need their flags, and everything here is in an unnamed namespace, so
// each includer compiles its own copy and no weak symbol compiled with ISA flags can stand in for
// another (ctest isa_symbols).
//
// The design of the x86 kernels (src/kernels/avx2/gemm_q8_tiles_avx2.hpp) at a quarter of the
// AVX-512 width: the 4 int32 lanes of a vector are 4 weight rows, one token's 4 activation bytes
// are applied to all lanes, and the float step (convert, d_w * d_x, fma) runs once per block and
// 4 rows. The weights are read in the R16 layout (kernels/packed_rows.hpp), each 64-byte vector
// as four quarters (rows 0-3, 4-7, 8-11, 12-15 of the group); `run` on the row layout first packs
// a tile of rows into that layout (plain loads and 4x4 dword transposes), so both paths run the
// same microkernels.
//
// Numerics: per (row, token) the result is, over blocks in order, acc = fma(float(isum_b),
// d_w * d_x, acc) with isum_b the exact integer dot product of the block: the same bits whatever
// the tile, the batch, the row split, the layout or the Ops, and the same as the x86 kernels.
//
// Prepared activations, per token (prepared_bytes, the x86 kernels' layout):
//   qs   [nb][32] int8    Q8_0-quantized values (neon::quantize_q8_0_act), natural order
//   corr [nb]     int32   -offset * sum of the block's values: Q4_0 nibbles are q = w + 8, so
//                         the integer sum of q * x is corrected by -8 * sum(x)
//   dx   [nb]     float   the block scale (F16 rounded, as Q8_0 stores it)
#pragma once

#include <arm_neon.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "hearth/quant.hpp"
#include "kernels/kernel_table.hpp"
#include "kernels/neon/neon_kernels.hpp"
#include "kernels/neon/simd_neon.hpp"

namespace hearth::kernels::neon {
namespace {

enum class WeightKind { kQ8_0, kQ4_0 };

constexpr int kQuarterRows = 4;             // rows per 128-bit vector: one per int32 lane
constexpr int kGroupRows = 16;              // rows per R16 group (kernels/packed_rows.hpp)
constexpr int kMaxQuarters = 8;             // quarters per microkernel (two groups)
constexpr int kMaxTokens = 4;               // tokens per batch microkernel
constexpr size_t kChunkBytes = 512 * 1024;  // prepared tokens kept in L2 per pass
constexpr size_t kPrefetchBytes = 2048;     // single-token tiles: prefetch distance per stream

template <WeightKind kKind>
constexpr size_t block_qs_bytes() {
  return kKind == WeightKind::kQ8_0 ? 32 : 16;
}
template <WeightKind kKind>
constexpr size_t file_block_bytes() {
  return kKind == WeightKind::kQ8_0 ? sizeof(BlockQ8_0) : sizeof(BlockQ4_0);
}

// f(std::integral_constant<int, I>) for I = 0..N-1: lane indices must be compile-time constants.
template <class F, int... I>
inline void unroll_impl(F&& f, std::integer_sequence<int, I...>) {
  (f(std::integral_constant<int, I>{}), ...);
}
template <int N, class F>
inline void unroll(F&& f) {
  unroll_impl(f, std::make_integer_sequence<int, N>{});
}

// Quarter q of vector j of a block (w: the block's first vector in the first group).
inline const int8_t* quarter_at(const uint8_t* w, size_t group_bytes, int q, int j) {
  return reinterpret_cast<const int8_t*>(w + (q / 4) * group_bytes + 64 * j + 16 * (q % 4));
}

inline size_t prepared_bytes(int64_t n_in) {
  const size_t bytes = static_cast<size_t>(n_in / kQK) * 40;
  return (bytes + 63) / 64 * 64;
}

// x: [n_in] -> one prepared row, quantized by the NEON converter (bit-identical to the scalar
// one), one block at a time into the kernel's layout.
template <int kOffset>
void prepare(const float* x, void* dst, int64_t n_in) {
  const int64_t nb = n_in / kQK;
  auto* qs = static_cast<int8_t*>(dst);
  auto* corr = reinterpret_cast<int32_t*>(qs + 32 * nb);
  auto* dx = reinterpret_cast<float*>(qs + 36 * nb);
  for (int64_t b = 0; b < nb; ++b) {
    BlockQ8_0 blk;
    quantize_q8_0_act(x + b * kQK, &blk, kQK);
    std::memcpy(qs + 32 * b, blk.qs, 32);
    const int sum = vaddlvq_s8(vld1q_s8(blk.qs)) + vaddlvq_s8(vld1q_s8(blk.qs + 16));
    corr[b] = -kOffset * sum;
    dx[b] = f16_to_f32(blk.d);
  }
}

// The microkernel: Q quarters (4 rows each) x T prepared tokens (act_stride apart).
//   w:  the first quarter's group in the R16 layout; quarter q of vector j of block b at
//       (q / 4) * group_bytes + b * qs_block + 64 j + 16 (q % 4); scales at scales_at past each
//       group's start, quarter q's 4 fp16 at + 32 b + 8 (q % 4)
//   y:  y[t * ldy + 4 q + i] for rows 4 q + i < valid (the rest of the tile is not stored)
template <class Ops, WeightKind kKind, int Q, int T>
void micro(const uint8_t* w, size_t group_bytes, size_t scales_at, int64_t nb, const uint8_t* act,
           size_t act_stride, float* y, int64_t ldy, int valid) {
  constexpr size_t kQsBlock = kGroupRows * block_qs_bytes<kKind>();
  const int32_t* corr[T];
  const float* dx[T];
  float32x4_t acc[Q][T];
  for (int t = 0; t < T; ++t) {
    corr[t] = reinterpret_cast<const int32_t*>(act + t * act_stride + 32 * nb);
    dx[t] = reinterpret_cast<const float*>(act + t * act_stride + 36 * nb);
    for (int q = 0; q < Q; ++q) acc[q][t] = vdupq_n_f32(0.0f);
  }
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* wb = w + static_cast<size_t>(b) * kQsBlock;
    if constexpr (T == 1) {
      // Decode reads each weight once, from memory: fetch each group's stream ahead.
      for (int q = 0; q < Q; q += 4)
        for (size_t l = 0; l < kQsBlock; l += 64)
          __builtin_prefetch(wb + (q / 4) * group_bytes + kPrefetchBytes + l);
    }
    const int8_t* x[T];
    for (int t = 0; t < T; ++t)
      x[t] = reinterpret_cast<const int8_t*>(act + t * act_stride + 32 * b);
    int32x4_t isum[Q][T];
    Ops::template block<kKind, Q, T>(wb, group_bytes, x, isum);
    for (int q = 0; q < Q; ++q) {
      const float32x4_t dw = load_f16x4(reinterpret_cast<const uint16_t*>(
          w + (q / 4) * group_bytes + scales_at + 32 * b + 8 * (q % 4)));
      for (int t = 0; t < T; ++t) {
        int32x4_t s = isum[q][t];
        if constexpr (kKind == WeightKind::kQ4_0) s = vaddq_s32(s, vdupq_n_s32(corr[t][b]));
        acc[q][t] = vfmaq_f32(acc[q][t], vcvtq_f32_s32(s), vmulq_n_f32(dw, dx[t][b]));
      }
    }
  }
  for (int q = 0; q < Q; ++q)
    for (int t = 0; t < T; ++t)
      store_rows(y + t * ldy + kQuarterRows * q, acc[q][t], valid - 4 * q);
}

// micro<Ops, kKind, Q, T> by tile shape, Q <= kQ, T <= kT.
template <class Ops, WeightKind kKind, int kQ, int kT>
class Tiles {
 public:
  using Fn = void (*)(const uint8_t*, size_t, size_t, int64_t, const uint8_t*, size_t, float*,
                      int64_t, int);
  constexpr Tiles() : Tiles(std::make_integer_sequence<int, kQ * kT>{}) {}
  Fn at(int quarters, int tokens) const { return fns_[(quarters - 1) * kT + tokens - 1]; }

 private:
  template <int... I>
  constexpr explicit Tiles(std::integer_sequence<int, I...>)
      : fns_{micro<Ops, kKind, I / kT + 1, I % kT + 1>...} {}
  Fn fns_[kQ * kT];
};

// The batch tiles (up to Ops::kQuarters x Ops::kTokens) and the single-token ones (up to
// Ops::kDecodeQuarters x 1): a token alone streams more rows at once.
template <class Ops, WeightKind kKind>
struct TileSet {
  static_assert(Ops::kQuarters <= kMaxQuarters && Ops::kTokens <= kMaxTokens &&
                Ops::kDecodeQuarters <= kMaxQuarters);
  static_assert(Ops::kQuarters <= Ops::kDecodeQuarters);
  Tiles<Ops, kKind, Ops::kQuarters, Ops::kTokens> batch;
  Tiles<Ops, kKind, Ops::kDecodeQuarters, 1> decode;
};

// Rows [0, n_rows) (n_rows <= 16) of a row-layout weight (rows w_stride apart) -> one R16 group
// of nb blocks at dst (qs, then scales at scales_at); missing rows read a zero block (zero
// weights and scales; their lanes are never stored).
template <WeightKind kKind>
void pack_group(const uint8_t* rows, size_t w_stride, int n_rows, int64_t nb, size_t scales_at,
                uint8_t* dst) {
  constexpr size_t kBlock = file_block_bytes<kKind>();
  constexpr size_t kQsBlock = kGroupRows * block_qs_bytes<kKind>();
  constexpr int kDwords = static_cast<int>(block_qs_bytes<kKind>() / 4);
  alignas(16) static const uint8_t kZeroBlock[kBlock] = {};
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
    for (int q = 0; q < 4; ++q) {
      // 4 rows x 4 dwords -> 4 vectors of one dword per row, per 16 bytes of qs.
      for (int d0 = 0; d0 < kDwords; d0 += 4) {
        int32x4_t v[4];
        for (int i = 0; i < 4; ++i)
          v[i] = vreinterpretq_s32_u8(vld1q_u8(blk[4 * q + i] + 2 + 4 * d0));
        transpose4x4_s32(v);
        for (int j = 0; j < 4; ++j)
          vst1q_u8(out + 64 * (d0 + j) + 16 * q, vreinterpretq_u8_s32(v[j]));
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

// Runs the tiles of one row tile (quarters x 4 rows, valid of them stored, weights at w) over
// tokens [t0, t1) in tiles of up to Ops::kTokens (a single token: the decode tiles).
template <class Ops, WeightKind kKind>
void run_tokens(const TileSet<Ops, kKind>& tiles, const uint8_t* w, size_t group_bytes,
                size_t scales_at, int64_t nb, int quarters, int valid, const uint8_t* act,
                size_t stride, int t0, int t1, float* y, int64_t ldy) {
  if (t1 - t0 == 1) {
    tiles.decode.at(quarters, 1)(w, group_bytes, scales_at, nb, act + t0 * stride, stride,
                                 y + t0 * ldy, ldy, valid);
    return;
  }
  for (int t = t0; t < t1; t += Ops::kTokens) {
    const int nt = t1 - t < Ops::kTokens ? t1 - t : Ops::kTokens;
    tiles.batch.at(quarters, nt)(w, group_bytes, scales_at, nb, act + t * stride, stride,
                                 y + t * ldy, ldy, valid);
  }
}

// GemmKernel::run_packed: rows [r0, r1) (multiples of 16) of an R16 weight.
template <class Ops, WeightKind kKind>
void run_packed(const uint8_t* packed, size_t row_bytes, int64_t r0, int64_t r1, const uint8_t* act,
                int n_tok, int64_t n_in, float* y, int64_t ldy) {
  static constexpr TileSet<Ops, kKind> kTiles;
  const int64_t nb = n_in / kQK;
  const size_t group_bytes = kGroupRows * row_bytes;
  const size_t scales_at = static_cast<size_t>(nb) * kGroupRows * block_qs_bytes<kKind>();
  const size_t stride = prepared_bytes(n_in);
  const int tile_rows = kQuarterRows * (n_tok == 1 ? Ops::kDecodeQuarters : Ops::kQuarters);
  const int chunk = token_chunk(stride, Ops::kTokens);
  for (int t0 = 0; t0 < n_tok; t0 += chunk) {
    const int t1 = t0 + chunk < n_tok ? t0 + chunk : n_tok;
    for (int64_t r = r0; r < r1; r += tile_rows) {
      const int rows = static_cast<int>(r1 - r < tile_rows ? r1 - r : tile_rows);
      run_tokens<Ops, kKind>(kTiles, packed + (r / kGroupRows) * group_bytes, group_bytes,
                             scales_at, nb, rows / kQuarterRows, rows, act, stride, t0, t1, y + r,
                             ldy);
    }
  }
}

// GemmKernel::run: rows [r0, r1) of a row-layout weight (any count). Each row tile is packed into
// the thread's scratch in the R16 layout once per token chunk, then runs the same microkernels.
template <class Ops, WeightKind kKind>
void run(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* act, int n_tok,
         int64_t n_in, float* y, int64_t ldy) {
  static constexpr TileSet<Ops, kKind> kTiles;
  const int64_t nb = n_in / kQK;
  const size_t group_bytes = kGroupRows * static_cast<size_t>(nb) * file_block_bytes<kKind>();
  const size_t scales_at = static_cast<size_t>(nb) * kGroupRows * block_qs_bytes<kKind>();
  const size_t stride = prepared_bytes(n_in);
  const int tile_quarters = n_tok == 1 ? Ops::kDecodeQuarters : Ops::kQuarters;
  const int tile_rows = kQuarterRows * tile_quarters;
  const int tile_groups = (tile_quarters + 3) / 4;
  uint8_t* scratch = kernel_scratch(group_bytes * tile_groups);
  const int chunk = token_chunk(stride, Ops::kTokens);
  for (int t0 = 0; t0 < n_tok; t0 += chunk) {
    const int t1 = t0 + chunk < n_tok ? t0 + chunk : n_tok;
    for (int64_t r = r0; r < r1; r += tile_rows) {
      const int rows = static_cast<int>(r1 - r < tile_rows ? r1 - r : tile_rows);
      for (int g = 0; g * kGroupRows < rows; ++g) {
        const int n = rows - g * kGroupRows < kGroupRows ? rows - g * kGroupRows : kGroupRows;
        pack_group<kKind>(w + (r + g * kGroupRows) * w_stride, w_stride, n, nb, scales_at,
                          scratch + g * group_bytes);
      }
      run_tokens<Ops, kKind>(kTiles, scratch, group_bytes, scales_at, nb,
                             (rows + kQuarterRows - 1) / kQuarterRows, rows, act, stride, t0, t1,
                             y + r, ldy);
    }
  }
}

// The GemmKernel of one weight kind (Q8_0: no offset; Q4_0: nibbles q = w + 8).
template <class Ops, WeightKind kKind>
constexpr GemmKernel gemm_kernel() {
  GemmKernel g{};
  g.prepared_bytes = prepared_bytes;
  g.prepare = prepare < kKind == WeightKind::kQ8_0 ? 0 : 8 > ;
  g.run = run<Ops, kKind>;
  g.run_packed = run_packed<Ops, kKind>;
  return g;
}

}  // namespace
}  // namespace hearth::kernels::neon

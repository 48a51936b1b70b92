// Shared by the AVX-512 "16 rows per vector" matrix products (gemm_q8_avx512.cpp,
// gemm_float_avx512.cpp): a thread's rows [r0, r1) are walked in tiles of up to kMaxGroups
// groups of 16 rows; the last group of a tile may be partial (its lanes masked). Internal to the
// AVX-512 translation units (static inline: no symbol is shared with code built for other ISAs).
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#include "kernels/kernel_table.hpp"

namespace hearth::kernels::avx512 {

constexpr int kLanes = 16;  // rows per group: one per lane of a 512-bit vector of int32 / float

// Byte offsets of the 16 rows of a group (w_stride apart), for gathers.
static inline __m512i row_offsets(size_t w_stride) {
  const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  return _mm512_mullo_epi32(iota, _mm512_set1_epi32(static_cast<int>(w_stride)));
}

// Lanes 0..n_rows-1 (n_rows <= 16).
static inline __mmask16 lane_mask(int64_t n_rows) {
  return static_cast<__mmask16>((1u << n_rows) - 1);
}

// Per-thread buffer for the packed groups of one row tile, 64-byte aligned, reused across calls.
// Allocated by portable code (kernel_scratch): no std::vector instantiated with ISA flags, and an
// allocation failure unwinds through these frames, which have no cleanups.
static inline uint8_t* pack_buffer(size_t bytes) {
  return kernel_scratch(bytes);
}

// Calls tile(r, groups, last_mask) for each tile of rows [r0, r1): rows r .. r + 16 * groups - 1,
// the last group holding the rows of last_mask.
template <int kMaxGroups, typename Tile>
static inline void for_each_row_tile(int64_t r0, int64_t r1, Tile&& tile) {
  for (int64_t r = r0; r < r1; r += kLanes * kMaxGroups) {
    const int64_t rows = r1 - r < kLanes * kMaxGroups ? r1 - r : kLanes * kMaxGroups;
    const int groups = static_cast<int>((rows + kLanes - 1) / kLanes);
    tile(r, groups, lane_mask(rows - kLanes * (groups - 1)));
  }
}

// Rows in group g of a tile of `groups` groups whose last group holds last_mask's rows.
static inline int rows_in_group(int g, int groups, __mmask16 last_mask) {
  return g == groups - 1 ? __builtin_popcount(last_mask) : kLanes;
}

// Token chunk such that chunk prepared rows of `stride` bytes fit in `bytes`, a multiple of the
// microkernel's token count (at least one tile).
static inline int token_chunk(size_t bytes, size_t stride, int tile_tokens) {
  const int chunk = static_cast<int>(bytes / (stride ? stride : 1)) / tile_tokens * tile_tokens;
  return chunk < tile_tokens ? tile_tokens : chunk;
}

// 4 bytes at p as one int32 (for broadcasting 4 activation bytes).
static inline int32_t load_i32(const void* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// The microkernels of one weight type by tile shape: at(groups, tokens) = Tile<groups,
// tokens>::run for groups <= kMaxGroups, tokens <= kMaxTokens, where Tile<G, T>::run is a
// function pointer constant (each instantiation in its kernel file's anonymous namespace).
template <template <int, int> class Tile, int kMaxGroups, int kMaxTokens>
class TileTable {
 public:
  using Fn = decltype(Tile<1, 1>::run);
  constexpr TileTable() : TileTable(std::make_integer_sequence<int, kMaxGroups * kMaxTokens>{}) {}
  Fn at(int groups, int tokens) const { return fns_[(groups - 1) * kMaxTokens + tokens - 1]; }

 private:
  template <int... I>
  constexpr explicit TileTable(std::integer_sequence<int, I...>)
      : fns_{Tile<I / kMaxTokens + 1, I % kMaxTokens + 1>::run...} {}
  Fn fns_[kMaxGroups * kMaxTokens];
};

// The prefill loop: for each chunk of tokens [t0, t1) (chunk a multiple of kMaxTokens), each row
// tile is packed once, pack(r, g, n_rows) per group, then run for every token tile of the chunk,
// tiles(t, nt, r, groups, last_mask) with nt <= kMaxTokens tokens from t.
template <int kMaxGroups, int kMaxTokens, typename Pack, typename Tiles>
static inline void run_packed(int64_t r0, int64_t r1, int n_tok, int chunk, Pack&& pack,
                              Tiles&& tiles) {
  for (int t0 = 0; t0 < n_tok; t0 += chunk) {
    const int t1 = t0 + chunk < n_tok ? t0 + chunk : n_tok;
    for_each_row_tile<kMaxGroups>(r0, r1, [&](int64_t r, int groups, __mmask16 last_mask) {
      for (int g = 0; g < groups; ++g) pack(r, g, rows_in_group(g, groups, last_mask));
      for (int t = t0; t < t1; t += kMaxTokens)
        tiles(t, t1 - t < kMaxTokens ? t1 - t : kMaxTokens, r, groups, last_mask);
    });
  }
}

// An R16 product (gemm_q8_r16_avx512.cpp, gemm_kquant_r16_avx512.cpp) for a small batch (the
// engine's decode step: one token per sequence) or one token (decode), in tiles of SG row groups x
// ST tokens (tiles.at(groups, tokens): microkernels (group, group_bytes, act, act_stride, nb, y,
// ldy, pf, pf_lines) that prefetch pf_lines cache lines from pf per block of nb), ceil(n_tok / ST)
// token tiles per row tile. Without help the weights of a row tile stream from memory at the pace
// of the arithmetic, and for a batch the passes after the first re-read them from cache while the
// memory idles: memory and arithmetic times add up. So each token tile prefetches its share of the
// next row tile into L1 (it is needed right after; measured faster than L2 or non-temporal hints),
// keeping the memory busy throughout. Synthetic qwen2.5-0.5b layers, one thread, 8 tokens: Q8_0 6.6
// -> 3.9 ms (decode of one token: 3.3), Q4_0 5.8 -> 3.3 ms. One token needs it too: the hardware
// prefetcher alone kept too few lines in flight for Q4_0, whose unpacking (and, shift, and, two
// vpdpbusd per 64 bytes) lets the out-of-order window reach half as many bytes ahead as Q8_0's.
// Measured on the 2-core EPYC (Zen 5) with hearth_bench R16/q4_0/tok1 (one thread, 896 x 4864
// weights): 95 GB/s from L2, so compute is not the limit, but 15-20 GB/s from memory; prefetching
// the next tile in address order, spread over the blocks: 25-30 GB/s, Q8_0's rate (Q8_0: 28 GB/s
// with or without it). Prefetching each row stream a fixed distance ahead instead (1-4 KiB, or 4-28
// blocks with the next tile's start) gained less on these short rows (nb = 28; 20-22 GB/s), 2 to 8
// groups per tile the same within noise, and taking the high nibbles as q & 0xF0 into their own sum
// (one shift fewer per vector) nothing measurable. qwen2.5-0.5b Q4_0 tg, one thread: 59-65 -> 85-92
// tok/s.
template <int SG, int ST, class Tiles>
static inline void run_small_batch(const Tiles& tiles, const uint8_t* packed, size_t group_bytes,
                                   int64_t r0, int64_t r1, const uint8_t* act, size_t stride,
                                   int n_tok, int64_t nb, float* y, int64_t ldy) {
  const int n_tiles = (n_tok + ST - 1) / ST;
  for_each_row_tile<SG>(r0, r1, [&](int64_t r, int n_groups, __mmask16) {
    const uint8_t* tile = packed + static_cast<size_t>(r / kLanes) * group_bytes;
    const int64_t left = r1 - r - kLanes * n_groups;
    const int64_t next_rows = left < kLanes * SG ? left : kLanes * SG;
    const int64_t next_lines =
        next_rows > 0 ? static_cast<int64_t>(next_rows / kLanes * group_bytes / 64) : 0;
    const uint8_t* next = tile + n_groups * group_bytes;
    for (int k = 0; k < n_tiles; ++k) {
      const int t = k * ST, nt = n_tok - t < ST ? n_tok - t : ST;
      const int64_t l0 = next_lines * k / n_tiles, l1 = next_lines * (k + 1) / n_tiles;
      const int per_block = static_cast<int>((l1 - l0 + nb - 1) / nb);
      tiles.at(n_groups, nt)(tile, group_bytes, act + t * stride, stride, nb, y + t * ldy + r, ldy,
                             next + 64 * l0, per_block);
    }
  });
}

}  // namespace hearth::kernels::avx512

// AVX-512 VNNI batch (prefill) matrix products for Q4_K, Q5_K and Q6_K weights with Q8_K
// activations (Q5_K: Q4_K's kernel with the fifth bit joined at packing; Q6_K: see the second
// half of the file), in the
// layout of gemm_q8_avx512.cpp: the 16 lanes of a vector are 16 weight rows and 4 activation
// bytes of one token are broadcast, so eight vpdpbusd give a 32-element sub-block's integer sum
// for 16 rows.
//
//   packed weights, per group of 16 rows, per super-block (256 elements):
//     Q[j][k]   j, k = 0..7  lane i = 4 nibbles (0..15; Q5_K 0..31) of row i, elements 32j + 4k ..
//     + 3 SC[j]                  lane i = the 6-bit scale of sub-block j (int32) MP[p]     p = 0..3
//     lane i = the mins of sub-blocks 2p, 2p+1 (int16 pair) D, DMIN                lane i = the
//     super-block's d and dmin (float)
//   prepared activations, per token, per super-block:
//     qs [256] int8, bsum pairs [4] (int16 sums of sub-blocks 2p, 2p+1), d (float)
//
// Per (row, token) and super-block, exactly the scalar reference's integers and float steps:
//   sumi = sum_j sc_j * (q . x)_j,  summ = sum_j m_j * bsum_j  (both exact in int32), then
//   sum += (d * dx) * sumi - (dmin * dx) * summ  (separate multiplies, no fma),
// so the result is bit-identical to the scalar dot product whatever the tile or thread count.
// Decode (a few tokens) keeps the dot products (GemmKernel::min_tokens).
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "hearth/quant.hpp"
#include "kernels/avx512/avx512_kernels.hpp"
#include "kernels/avx512/row_groups_avx512.hpp"
#include "kernels/scalar/scalar_kernels.hpp"

namespace hearth::kernels::avx512 {
namespace {

constexpr int kMaxGroups = 2;                // row groups per microkernel (32 rows)
constexpr int kMaxTokens = 4;                // tokens per microkernel
constexpr size_t kChunkBytes = 1024 * 1024;  // prepared tokens per pass over the packed rows
constexpr int kMinTokens = 8;                // below: the dot products

int64_t super_blocks(int64_t n_in) {
  return n_in / kQK_K;
}

// ---- Q4_K -------------------------------------------------------------------------------------
constexpr size_t kQ4KPackedBytes = 78 * 64;     // per super-block: 64 Q + 8 SC + 4 MP + D + DMIN
constexpr size_t kQ4KPreparedBytes = 256 + 20;  // per super-block: qs, 4 bsum pairs, d
constexpr size_t kQ6KPackedBytes = 81 * 64;     // per super-block: 64 Q + 16 SC + D
constexpr size_t kQ6KPreparedBytes = 256 + 68;  // per super-block: qs, 16 corrections, d

size_t q4_k_prepared_bytes(int64_t n_in) {
  return (static_cast<size_t>(super_blocks(n_in)) * kQ4KPreparedBytes + 63) / 64 * 64;
}

// Per token: qs [nsb][256], then Q4_K's bsum pairs [nsb][4] (int16 sums of sub-blocks 2p,
// 2p+1) or Q6_K's corrections [nsb][16] (-32 * sum of 16-element sub-block k), then d [nsb].
template <bool kSix>
void prepare(const float* x, void* dst, int64_t n_in) {
  const int64_t nsb = super_blocks(n_in);
  auto* qs = static_cast<int8_t*>(dst);
  auto* extra = reinterpret_cast<int32_t*>(qs + 256 * nsb);
  auto* d = reinterpret_cast<float*>(extra + (kSix ? 16 : 4) * nsb);
  BlockQ8_K blk;
  for (int64_t s = 0; s < nsb; ++s) {
    scalar::quantize_q8_k_act(x + s * kQK_K, &blk, kQK_K);
    std::memcpy(qs + 256 * s, blk.qs, 256);
    if constexpr (kSix) {
      for (int k = 0; k < 16; ++k) extra[16 * s + k] = -32 * blk.bsums[k];
    } else {
      for (int p = 0; p < 4; ++p) {
        // Sub-block 2p covers bsums 4p, 4p+1 (16 elements each); 2p+1 covers 4p+2, 4p+3.
        const int lo = blk.bsums[4 * p] + blk.bsums[4 * p + 1];
        const int hi = blk.bsums[4 * p + 2] + blk.bsums[4 * p + 3];
        extra[4 * s + p] = static_cast<int32_t>((static_cast<uint32_t>(hi) << 16) |
                                                (static_cast<uint32_t>(lo) & 0xFFFFu));
      }
    }
    d[s] = blk.d;
  }
}

// Byte b (0..11) of every lane's 12 scale bytes, held as three dword vectors.
__m512i scale_byte(const __m512i q[3], int b) {
  return _mm512_and_si512(_mm512_srli_epi32(q[b / 4], 8 * (b % 4)), _mm512_set1_epi32(0xFF));
}

// Rows [0, n_rows) of one group into dst: [nsb][78][64 bytes]; missing rows read as zeros.
// Block is BlockQ4_K or BlockQ5_K: Q5_K is Q4_K with a fifth bit per value (qh), joined here, so
// the weight vectors hold 0..31 and the same microkernel computes both (vpdpbusd sums in int32;
// the scalar dots' integers are the same formula).
// Where the packers read the 16 rows' 4-byte words: gathered from the row layout (rows w_stride
// apart, lanes past n_rows read as zeros), or loaded from an R16 group
// (kernels/packed_rows_kquant.hpp: word w of super-block s is one vector), so that prefill on
// repacked weights needs no gather.
struct GatherRows {
  const uint8_t* rows;
  size_t block_bytes;
  __mmask16 mask;
  __m512i row_off;
  GatherRows(const uint8_t* r, size_t w_stride, int n_rows, size_t bb)
      : rows(r), block_bytes(bb), mask(lane_mask(n_rows)), row_off(row_offsets(w_stride)) {}
  // Bytes off .. off + 3 of super-block s of every row.
  __m512i word(int64_t s, size_t off) const {
    return _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), mask, row_off,
                                       rows + s * block_bytes + off, 1);
  }
  // Q6_K's d (fp16 at byte 208, past the last whole word) as floats.
  __m512 q6_k_d(int64_t s) const {
    const __m512i d = word(s, offsetof(BlockQ6_K, d) - 2);  // d in the high half
    return _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(d, 16)));
  }
};
struct R16Words {
  const uint8_t* group;
  size_t sb_bytes;  // 64 * words per block
  int64_t nsb;
  __m512i word(int64_t s, size_t off) const {
    return _mm512_loadu_si512(group + s * sb_bytes + 64 * (off / 4));
  }
  __m512 q6_k_d(int64_t s) const {  // the group's d [nsb][16] fp16 after its super-blocks
    return _mm512_cvtph_ps(
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(group + nsb * sb_bytes + 32 * s)));
  }
};

template <class Block, class Source>
void q45_k_pack_from(const Source& src, int64_t nsb, uint8_t* dst) {
  constexpr bool kFive = std::is_same_v<Block, BlockQ5_K>;
  const __m512i zero = _mm512_setzero_si512();
  const __m512i low = _mm512_set1_epi8(0x0F), one = _mm512_set1_epi8(0x01);
  const __m512i six = _mm512_set1_epi32(63);
  // Bit j of each byte of h, moved to bit 4 (the fifth bit of sub-block j's values).
  auto fifth = [&](__m512i h, int j) {
    return _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(h, j), one), 4);
  };
  for (int64_t s = 0; s < nsb; ++s) {
    auto gather = [&](size_t off) { return src.word(s, off); };
    uint8_t* out = dst + s * kQ4KPackedBytes;
    // Sub-blocks 2c (low nibbles) and 2c+1 (high nibbles) share qs[32c .. 32c+31]; byte l of
    // Q5_K's qh holds the fifth bits of element l of every sub-block (bit j: sub-block j).
    for (int k = 0; k < 8; ++k) {
      __m512i h = zero;
      if constexpr (kFive) h = gather(offsetof(BlockQ5_K, qh) + 4 * k);
      for (int c = 0; c < 4; ++c) {
        const __m512i q = gather(offsetof(Block, qs) + 32 * c + 4 * k);
        __m512i lo = _mm512_and_si512(q, low);
        __m512i hi = _mm512_and_si512(_mm512_srli_epi16(q, 4), low);
        if constexpr (kFive) {
          lo = _mm512_or_si512(lo, fifth(h, 2 * c));
          hi = _mm512_or_si512(hi, fifth(h, 2 * c + 1));
        }
        _mm512_store_si512(out + 64 * (8 * (2 * c) + k), lo);
        _mm512_store_si512(out + 64 * (8 * (2 * c + 1) + k), hi);
      }
    }
    const __m512i q[3] = {gather(offsetof(Block, scales)), gather(offsetof(Block, scales) + 4),
                          gather(offsetof(Block, scales) + 8)};
    __m512i sc[8], mn[8];
    for (int j = 0; j < 4; ++j) {  // as hearth::k_scale_min
      sc[j] = _mm512_and_si512(scale_byte(q, j), six);
      mn[j] = _mm512_and_si512(scale_byte(q, j + 4), six);
    }
    for (int j = 4; j < 8; ++j) {
      const __m512i b = scale_byte(q, j + 4);
      sc[j] = _mm512_or_si512(_mm512_and_si512(b, _mm512_set1_epi32(0xF)),
                              _mm512_slli_epi32(_mm512_srli_epi32(scale_byte(q, j - 4), 6), 4));
      mn[j] = _mm512_or_si512(_mm512_srli_epi32(b, 4),
                              _mm512_slli_epi32(_mm512_srli_epi32(scale_byte(q, j), 6), 4));
    }
    for (int j = 0; j < 8; ++j) _mm512_store_si512(out + 64 * (64 + j), sc[j]);
    for (int p = 0; p < 4; ++p)
      _mm512_store_si512(out + 64 * (72 + p),
                         _mm512_or_si512(mn[2 * p], _mm512_slli_epi32(mn[2 * p + 1], 16)));
    const __m512i dd = gather(0);  // d (low half), dmin (high half)
    _mm512_store_ps(out + 64 * 76, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(dd)));
    _mm512_store_ps(out + 64 * 77,
                    _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(dd, 16))));
  }
}

// G packed groups (group_bytes apart) x T prepared tokens (act_stride apart) ->
// y[t * ldy + 16 g + i], lanes of the last group masked by last_mask. Per super-block:
//   Q4_K (kSix false): 8 sub-blocks of 32, sumi = sum_j sc_j * (q . x)_j, summ = sum_j m_j *
//     bsum_j (vpdpwssd on the int16 pairs), sum += (d * dx) * sumi - (dmin * dx) * summ;
//   Q6_K (kSix true): 16 sub-blocks of 16, sumi = sum_k sc_k * (corr_k + q . x), sum += (d * dx)
//     * sumi;
// the scalar dots' exact integers and float steps (separate multiplies, no fma).
template <bool kSix, int G, int T>
void micro(const uint8_t* packed, size_t group_bytes, const uint8_t* act, size_t act_stride,
           int64_t nsb, float* y, int64_t ldy, __mmask16 last_mask) {
  constexpr int kSub = kSix ? 16 : 8;   // sub-blocks per super-block
  constexpr int kSteps = kSix ? 4 : 8;  // 4-element vectors per sub-block
  constexpr size_t kPacked = kSix ? kQ6KPackedBytes : kQ4KPackedBytes;
  __m512 acc[G][T];
#pragma GCC unroll 2
  for (int g = 0; g < G; ++g)
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) acc[g][t] = _mm512_setzero_ps();
  // After qs: Q4_K's bsum pairs [nsb][4] or Q6_K's corrections [nsb][16], then d [nsb].
  const size_t extra_off = static_cast<size_t>(256 * nsb);
  const size_t d_off = extra_off + (kSix ? 64 : 16) * static_cast<size_t>(nsb);
  for (int64_t s = 0; s < nsb; ++s) {
    const uint8_t* ws = packed + s * kPacked;
    __m512i sumi[G][T];
#pragma GCC unroll 2
    for (int g = 0; g < G; ++g)
#pragma GCC unroll 4
      for (int t = 0; t < T; ++t) sumi[g][t] = _mm512_setzero_si512();
    for (int j = 0; j < kSub; ++j) {
      __m512i isum[G][T];
#pragma GCC unroll 4
      for (int t = 0; t < T; ++t) {
        const __m512i c =
            kSix ? _mm512_set1_epi32(load_i32(act + t * act_stride + extra_off + 4 * (16 * s + j)))
                 : _mm512_setzero_si512();
#pragma GCC unroll 2
        for (int g = 0; g < G; ++g) isum[g][t] = c;
      }
#pragma GCC unroll 8
      for (int v = 0; v < kSteps; ++v) {
        __m512i w[G];
#pragma GCC unroll 2
        for (int g = 0; g < G; ++g)
          w[g] = _mm512_load_si512(ws + g * group_bytes + 64 * (kSteps * j + v));
#pragma GCC unroll 4
        for (int t = 0; t < T; ++t) {
          const __m512i x =
              _mm512_set1_epi32(load_i32(act + t * act_stride + 256 * s + 4 * kSteps * j + 4 * v));
#pragma GCC unroll 2
          for (int g = 0; g < G; ++g) isum[g][t] = _mm512_dpbusd_epi32(isum[g][t], w[g], x);
        }
      }
#pragma GCC unroll 2
      for (int g = 0; g < G; ++g) {
        const __m512i sc = _mm512_load_si512(ws + g * group_bytes + 64 * (64 + j));
#pragma GCC unroll 4
        for (int t = 0; t < T; ++t)
          sumi[g][t] = _mm512_add_epi32(sumi[g][t], _mm512_mullo_epi32(isum[g][t], sc));
      }
    }
#pragma GCC unroll 2
    for (int g = 0; g < G; ++g) {
      const uint8_t* wg = ws + g * group_bytes;
      const __m512 dw = _mm512_load_ps(wg + 64 * (kSix ? 80 : 76));
#pragma GCC unroll 4
      for (int t = 0; t < T; ++t) {
        const uint8_t* a = act + t * act_stride;
        float dx;
        std::memcpy(&dx, a + d_off + 4 * s, 4);
        const __m512 vdx = _mm512_set1_ps(dx);
        const __m512 plus = _mm512_mul_ps(_mm512_mul_ps(dw, vdx), _mm512_cvtepi32_ps(sumi[g][t]));
        if constexpr (kSix) {
          acc[g][t] = _mm512_add_ps(acc[g][t], plus);
        } else {
          const auto* pairs = reinterpret_cast<const int32_t*>(a + extra_off) + 4 * s;
          __m512i summ = _mm512_setzero_si512();
          for (int p = 0; p < 4; ++p)
            summ = _mm512_dpwssd_epi32(summ, _mm512_load_si512(wg + 64 * (72 + p)),
                                       _mm512_set1_epi32(pairs[p]));
          const __m512 dmin = _mm512_load_ps(wg + 64 * 77);
          const __m512 minus = _mm512_mul_ps(_mm512_mul_ps(dmin, vdx), _mm512_cvtepi32_ps(summ));
          acc[g][t] = _mm512_add_ps(acc[g][t], _mm512_sub_ps(plus, minus));
        }
      }
    }
  }
#pragma GCC unroll 4
  for (int t = 0; t < T; ++t)
#pragma GCC unroll 2
    for (int g = 0; g < G; ++g)
      _mm512_mask_storeu_ps(y + t * ldy + kLanes * g, g == G - 1 ? last_mask : __mmask16{0xFFFF},
                            acc[g][t]);
}

template <class Block>
void q45_k_pack_group(const uint8_t* rows, size_t w_stride, int n_rows, int64_t nsb, uint8_t* dst) {
  q45_k_pack_from<Block>(GatherRows(rows, w_stride, n_rows, sizeof(Block)), nsb, dst);
}

// ---- Q6_K -------------------------------------------------------------------------------------
// Packed per super-block: Q[e/4] (64 vectors, lane i = 4 unsigned 6-bit values q = w + 32 of row
// i, elements e..e+3), SC[k] (16 vectors, the int8 scale of 16-element sub-block k as int32), D.
// Prepared per token and super-block: qs [256], corr [16] = -32 * (sum of sub-block k's x), d.

size_t q6_k_prepared_bytes(int64_t n_in) {
  return (static_cast<size_t>(super_blocks(n_in)) * kQ6KPreparedBytes + 63) / 64 * 64;
}

// In each half of 128 elements, byte l of ql / qh gives elements l, l+32, l+64, l+96 (as the
// scalar dot reads them): low nibbles of ql[l] / ql[l+32] with qh bits 0-1 / 2-3, high nibbles with
// bits 4-5 / 6-7.
template <class Source>
void q6_k_pack_from(const Source& src, int64_t nsb, uint8_t* dst) {
  const __m512i low4 = _mm512_set1_epi8(0x0F), low2 = _mm512_set1_epi8(0x03);
  auto join = [&](__m512i nibbles, __m512i two_bits) {
    return _mm512_or_si512(_mm512_and_si512(nibbles, low4),
                           _mm512_slli_epi16(_mm512_and_si512(two_bits, low2), 4));
  };
  for (int64_t s = 0; s < nsb; ++s) {
    auto gather = [&](size_t off) { return src.word(s, off); };
    uint8_t* out = dst + s * kQ6KPackedBytes;
    for (int h = 0; h < 2; ++h)
      for (int l = 0; l < 32; l += 4) {
        const __m512i a = gather(offsetof(BlockQ6_K, ql) + 64 * h + l);
        const __m512i b = gather(offsetof(BlockQ6_K, ql) + 64 * h + 32 + l);
        const __m512i q = gather(offsetof(BlockQ6_K, qh) + 32 * h + l);
        const int e = 128 * h + l;  // element of the first vector
        _mm512_store_si512(out + 64 * ((e + 0) / 4), join(a, q));
        _mm512_store_si512(out + 64 * ((e + 32) / 4), join(b, _mm512_srli_epi16(q, 2)));
        _mm512_store_si512(out + 64 * ((e + 64) / 4),
                           join(_mm512_srli_epi16(a, 4), _mm512_srli_epi16(q, 4)));
        _mm512_store_si512(out + 64 * ((e + 96) / 4),
                           join(_mm512_srli_epi16(b, 4), _mm512_srli_epi16(q, 6)));
      }
    for (int k = 0; k < 16; k += 4) {  // 4 signed scale bytes per gather
      const __m512i sc = gather(offsetof(BlockQ6_K, scales) + k);
      for (int b = 0; b < 4; ++b)
        _mm512_store_si512(out + 64 * (64 + k + b),
                           _mm512_srai_epi32(_mm512_slli_epi32(sc, 24 - 8 * b), 24));
    }
    _mm512_store_ps(out + 64 * 80, src.q6_k_d(s));
  }
}

void q6_k_pack_group(const uint8_t* rows, size_t w_stride, int n_rows, int64_t nsb, uint8_t* dst) {
  q6_k_pack_from(GatherRows(rows, w_stride, n_rows, sizeof(BlockQ6_K)), nsb, dst);
}

// ---- both -------------------------------------------------------------------------------------
template <int G, int T>
struct Q4KTile {
  static constexpr auto run = micro<false, G, T>;
};
template <int G, int T>
struct Q6KTile {
  static constexpr auto run = micro<true, G, T>;
};
using PackFn = void (*)(const uint8_t*, size_t, int, int64_t, uint8_t*);
using PackR16Fn = void (*)(const R16Words&, int64_t, uint8_t*);

template <template <int, int> class Tile>
struct KQuant {
  size_t packed_bytes;  // per super-block and group
  size_t (*prepared_bytes)(int64_t);
  PackFn pack;
  PackR16Fn pack_r16;  // the same from an R16 group
  size_t r16_words;    // 4-byte words per file block (packed_rows_kquant.hpp)
  TileTable<Tile, kMaxGroups, kMaxTokens> tiles;
};

constexpr KQuant<Q4KTile> kQ4K = {kQ4KPackedBytes,
                                  q4_k_prepared_bytes,
                                  q45_k_pack_group<BlockQ4_K>,
                                  q45_k_pack_from<BlockQ4_K, R16Words>,
                                  sizeof(BlockQ4_K) / 4,
                                  {}};
constexpr KQuant<Q4KTile> kQ5K = {kQ4KPackedBytes,
                                  q4_k_prepared_bytes,
                                  q45_k_pack_group<BlockQ5_K>,
                                  q45_k_pack_from<BlockQ5_K, R16Words>,
                                  sizeof(BlockQ5_K) / 4,
                                  {}};
constexpr KQuant<Q6KTile> kQ6K = {kQ6KPackedBytes,          q6_k_prepared_bytes,   q6_k_pack_group,
                                  q6_k_pack_from<R16Words>, sizeof(BlockQ6_K) / 4, {}};

// The batch loop of run and run_r16_prefill: each row tile is copied once per token chunk into
// the microkernel's layout, pack_group(r, g, n_rows, dst) per group, then run for every token tile.
template <const auto& kQ, typename PackGroup>
void run_tiles(int64_t r0, int64_t r1, const uint8_t* act, int n_tok, int64_t n_in, float* y,
               int64_t ldy, PackGroup&& pack_group) {
  const int64_t nsb = super_blocks(n_in);
  const size_t stride = kQ.prepared_bytes(n_in);
  const size_t group_bytes = static_cast<size_t>(nsb) * kQ.packed_bytes;
  uint8_t* packed = pack_buffer(group_bytes * kMaxGroups);
  run_packed<kMaxGroups, kMaxTokens>(
      r0, r1, n_tok, token_chunk(kChunkBytes, stride, kMaxTokens),
      [&](int64_t r, int g, int n_rows) { pack_group(r, g, n_rows, packed + g * group_bytes); },
      [&](int t, int nt, int64_t r, int groups, __mmask16 last_mask) {
        kQ.tiles.at(groups, nt)(packed, group_bytes, act + t * stride, stride, nsb, y + t * ldy + r,
                                ldy, last_mask);
      });
}

// Row layout: each group gathered from its rows.
template <const auto& kQ>
void run(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* act, int n_tok,
         int64_t n_in, float* y, int64_t ldy) {
  const int64_t nsb = super_blocks(n_in);
  run_tiles<kQ>(r0, r1, act, n_tok, n_in, y, ldy, [&](int64_t r, int g, int n_rows, uint8_t* dst) {
    kQ.pack(w + (r + kLanes * g) * w_stride, w_stride, n_rows, nsb, dst);
  });
}

// Prefill from the R16 layout (whole groups only): each group's copy made by plain loads.
template <const auto& kQ>
void run_r16_prefill(const uint8_t* r16, size_t row_bytes, int64_t r0, int64_t r1,
                     const uint8_t* act, int n_tok, int64_t n_in, float* y, int64_t ldy) {
  const int64_t nsb = super_blocks(n_in);
  run_tiles<kQ>(r0, r1, act, n_tok, n_in, y, ldy, [&](int64_t r, int g, int, uint8_t* dst) {
    const R16Words src{r16 + (r / kLanes + g) * kLanes * row_bytes, 64 * kQ.r16_words, nsb};
    kQ.pack_r16(src, nsb, dst);
  });
}

}  // namespace

void run_r16_prefill_q4_k(const uint8_t* packed, size_t row_bytes, int64_t r0, int64_t r1,
                          const uint8_t* act, int n_tok, int64_t n_in, float* y, int64_t ldy) {
  run_r16_prefill<kQ4K>(packed, row_bytes, r0, r1, act, n_tok, n_in, y, ldy);
}

void run_r16_prefill_q6_k(const uint8_t* packed, size_t row_bytes, int64_t r0, int64_t r1,
                          const uint8_t* act, int n_tok, int64_t n_in, float* y, int64_t ldy) {
  run_r16_prefill<kQ6K>(packed, row_bytes, r0, r1, act, n_tok, n_in, y, ldy);
}

// run_packed (the R16 layout, gemm_kquant_r16_avx512.cpp) takes every batch size once the loader
// has repacked a weight; run and the dot products serve the rows left in the file's layout.
const GemmKernel kGemmQ4_K = {q4_k_prepared_bytes, prepare<false>, run<kQ4K>, kMinTokens,
                              run_r16_q4_k};
const GemmKernel kGemmQ6_K = {q6_k_prepared_bytes, prepare<true>, run<kQ6K>, kMinTokens,
                              run_r16_q6_k};
const GemmKernel kGemmQ5_K = {q4_k_prepared_bytes, prepare<false>, run<kQ5K>, kMinTokens};

}  // namespace hearth::kernels::avx512

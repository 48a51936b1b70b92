// AVX-512 VNNI tiled matrix products for Q8_0 and Q4_0 weights: Y[t][r] = W[r] . x[t].
//
// Activations are quantized to Q8_0 once per matmul and "prepared" per token row:
//   qs   [nb][32] int8   the quantized values (Q4_0: each pair of blocks reordered, below)
//   corr [nb][8]  int32  per 4-byte lane: -offset * sum(x) over the lane
//   dx   [nb][8]  float  the block scale, repeated per lane
// vpdpbusd multiplies unsigned by signed bytes, so the weights are made unsigned: Q8_0 as
// w + 128 (xor 0x80), Q4_0 as its raw nibbles (q = w + 8). Starting each lane's integer sum at
// corr (offset 128 or 8) removes the offset exactly: lane = sum(w * x) over four bytes.
// Each lane is then scaled by d_w * d_x and summed in float; a row's 16 lanes are reduced once.
//
// A microkernel computes R rows x T tokens (R, T <= 4): each weight vector is loaded once and
// used for T tokens; for prefill a tile of rows is first unpacked (unsigned bytes, scale
// vectors) into a buffer that every token tile of the chunk reuses. Tokens are processed in chunks
// whose prepared rows stay in L2. Every (row, token) result is computed by the same sequence of
// operations whatever the tile shape, so results do not depend on the thread count or on which tile
// a row falls in.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "hearth/quant.hpp"
#include "kernels/avx512/avx512_kernels.hpp"

namespace hearth::kernels::avx512 {
namespace {

enum class WeightKind { kQ8_0, kQ4_0 };

size_t prepared_bytes(int64_t n_in) {
  const size_t bytes = static_cast<size_t>(n_in / kQK) * 96;
  return (bytes + 63) / 64 * 64;
}

// Q4_0 weight pairs unpack to [lo(b), lo(b+1), hi(b), hi(b+1)] (16 bytes each): low nibbles are
// elements 0..15 of a block, high nibbles 16..31. The activations of a pair are stored in the
// same order; a final odd block keeps the natural order.
template <WeightKind kKind>
void prepare(const float* x, void* dst, int64_t n_in) {
  const int64_t nb = n_in / kQK;
  auto* qs = static_cast<int8_t*>(dst);
  auto* corr = reinterpret_cast<int32_t*>(qs + 32 * nb);
  auto* dx = reinterpret_cast<float*>(qs + 64 * nb);
  BlockQ8_0 blk[2];
  const __m512i ones = _mm512_set1_epi8(1);
  constexpr int kShift = kKind == WeightKind::kQ8_0 ? 7 : 3;  // offset 128 or 8
  for (int64_t b = 0; b < nb; b += 2) {
    const int nblk = b + 1 < nb ? 2 : 1;
    quantize_q8_0_act(x + b * kQK, blk, nblk * kQK);
    int8_t* q = qs + 32 * b;
    float d[2] = {_cvtsh_ss(blk[0].d), nblk == 2 ? _cvtsh_ss(blk[1].d) : 0.0f};
    if (kKind == WeightKind::kQ4_0 && nblk == 2) {
      std::memcpy(q, blk[0].qs, 16);
      std::memcpy(q + 16, blk[1].qs, 16);
      std::memcpy(q + 32, blk[0].qs + 16, 16);
      std::memcpy(q + 48, blk[1].qs + 16, 16);
      for (int l = 0; l < 16; ++l) dx[8 * b + l] = d[(l / 4) & 1];
    } else {
      for (int k = 0; k < nblk; ++k) std::memcpy(q + 32 * k, blk[k].qs, 32);
      for (int l = 0; l < 8 * nblk; ++l) dx[8 * b + l] = d[l / 8];
    }
    const __mmask64 m = nblk == 2 ? ~__mmask64{0} : __mmask64{0xFFFFFFFFu};
    const __m512i sums =
        _mm512_dpbusd_epi32(_mm512_setzero_si512(), ones, _mm512_maskz_loadu_epi8(m, q));
    const __m512i neg = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_slli_epi32(sums, kShift));
    _mm512_mask_storeu_epi32(corr + 8 * b, nblk == 2 ? 0xFFFF : 0x00FF, neg);
  }
}

__m512 pair_scales_q8_0(const BlockQ8_0* b) {  // [d(b) x8, d(b+1) x8]
  return _mm512_cvtph_ps(_mm256_set_m128i(_mm_set1_epi16(static_cast<short>(b[1].d)),
                                          _mm_set1_epi16(static_cast<short>(b[0].d))));
}

__m512 pair_scales_q4_0(const BlockQ4_0* b) {  // [d(b) x4, d(b+1) x4] twice
  const long long d0 = static_cast<long long>(b[0].d * 0x0001000100010001ull);
  const long long d1 = static_cast<long long>(b[1].d * 0x0001000100010001ull);
  return _mm512_cvtph_ps(_mm256_set_epi64x(d1, d0, d1, d0));
}

// Unsigned weight bytes of blocks b, b+1 in the order the prepared activations use.
template <WeightKind kKind>
__m512i pair_weights(const uint8_t* row, int64_t b) {
  if constexpr (kKind == WeightKind::kQ8_0) {
    const auto* blk = reinterpret_cast<const BlockQ8_0*>(row) + b;
    const __m512i w = _mm512_inserti64x4(
        _mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk[0].qs))),
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk[1].qs)), 1);
    return _mm512_xor_si512(w, _mm512_set1_epi8(static_cast<char>(0x80)));
  } else {
    // [b, b+1, b, b+1] from two broadcast loads (load ports only) and a blend, then the upper
    // half shifted by a nibble: no shuffle-port insert, which bounds the decode loop.
    const auto* blk = reinterpret_cast<const BlockQ4_0*>(row) + b;
    const __m512i q0 =
        _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blk[0].qs)));
    const __m512i q = _mm512_mask_broadcast_i32x4(
        q0, 0xF0F0, _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk[1].qs)));
    const __m512i nib = _mm512_srlv_epi64(q, _mm512_set_epi64(4, 4, 4, 4, 0, 0, 0, 0));
    return _mm512_and_si512(nib, _mm512_set1_epi8(0x0F));
  }
}

template <WeightKind kKind>
__m512 pair_scales(const uint8_t* row, int64_t b) {
  if constexpr (kKind == WeightKind::kQ8_0)
    return pair_scales_q8_0(reinterpret_cast<const BlockQ8_0*>(row) + b);
  else
    return pair_scales_q4_0(reinterpret_cast<const BlockQ4_0*>(row) + b);
}

// The last block of an odd count, natural element order, 8 lanes.
template <WeightKind kKind>
__m256i last_weights(const uint8_t* row, int64_t b) {
  if constexpr (kKind == WeightKind::kQ8_0) {
    const auto* blk = reinterpret_cast<const BlockQ8_0*>(row) + b;
    return _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk->qs)),
                            _mm256_set1_epi8(static_cast<char>(0x80)));
  } else {
    const auto* blk = reinterpret_cast<const BlockQ4_0*>(row) + b;
    const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk->qs));
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), _mm256_set1_epi8(0x0F));
  }
}

template <WeightKind kKind>
float last_scale(const uint8_t* row, int64_t b) {
  if constexpr (kKind == WeightKind::kQ8_0)
    return _cvtsh_ss((reinterpret_cast<const BlockQ8_0*>(row) + b)->d);
  else
    return _cvtsh_ss((reinterpret_cast<const BlockQ4_0*>(row) + b)->d);
}

// Where a microkernel gets its weight vectors: straight from the rows (decode, small batches),
// or from a row tile unpacked once into a buffer and then reused for every token tile of a
// chunk (prefill). Both give the same vectors, so the results are the same bits.
template <WeightKind kKind>
struct DirectWeights {
  const uint8_t* w;
  size_t stride;
  __m512i pair_q(int r, int64_t b) const { return pair_weights<kKind>(w + r * stride, b); }
  __m512 pair_d(int r, int64_t b) const { return pair_scales<kKind>(w + r * stride, b); }
  __m256i last_q(int r, int64_t b) const { return last_weights<kKind>(w + r * stride, b); }
  __m256 last_d(int r, int64_t b) const {
    return _mm256_set1_ps(last_scale<kKind>(w + r * stride, b));
  }
};

// Layout: per pair of blocks, per row: 64 weight bytes then 16 scale floats; then per row the
// odd last block: 32 weight bytes and 8 scale floats.
struct PackedWeights {
  const uint8_t* buf;
  int rows;
  size_t tail;  // byte offset of the last-block section
  const uint8_t* at(int r, int64_t b) const { return buf + ((b / 2) * rows + r) * 128; }
  __m512i pair_q(int r, int64_t b) const { return _mm512_load_si512(at(r, b)); }
  __m512 pair_d(int r, int64_t b) const { return _mm512_load_ps(at(r, b) + 64); }
  __m256i last_q(int r, int64_t) const {
    return _mm256_load_si256(reinterpret_cast<const __m256i*>(buf + tail + r * 64));
  }
  __m256 last_d(int r, int64_t) const {
    return _mm256_load_ps(reinterpret_cast<const float*>(buf + tail + r * 64 + 32));
  }
};

size_t packed_bytes(int rows, int64_t nb) {
  return static_cast<size_t>(rows) * ((nb / 2) * 128 + 64);
}

template <WeightKind kKind>
PackedWeights pack_rows(const uint8_t* w, size_t stride, int rows, int64_t nb, uint8_t* buf) {
  const DirectWeights<kKind> src{w, stride};
  PackedWeights p{buf, rows, static_cast<size_t>((nb / 2) * rows * 128)};
  for (int64_t b = 0; b + 2 <= nb; b += 2)
    for (int r = 0; r < rows; ++r) {
      uint8_t* dst = buf + ((b / 2) * rows + r) * 128;
      _mm512_store_si512(dst, src.pair_q(r, b));
      _mm512_store_ps(dst + 64, src.pair_d(r, b));
    }
  if (nb & 1)
    for (int r = 0; r < rows; ++r) {
      uint8_t* dst = buf + p.tail + r * 64;
      _mm256_store_si256(reinterpret_cast<__m256i*>(dst), src.last_q(r, nb - 1));
      _mm256_store_ps(reinterpret_cast<float*>(dst + 32), src.last_d(r, nb - 1));
    }
  return p;
}

// R weight rows x T prepared tokens (act, act_stride apart) -> y[t * ldy + r].
template <int R, int T, typename Src>
void tile(const Src& src, const uint8_t* act, size_t act_stride, int64_t nb, float* y,
          int64_t ldy) {
  __m512 acc[R][T];
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_ps();
  const size_t corr_off = static_cast<size_t>(32 * nb), dx_off = static_cast<size_t>(64 * nb);
  int64_t b = 0;
  for (; b + 2 <= nb; b += 2) {
    __m512i wq[R];
    __m512 wd[R];
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      wq[r] = src.pair_q(r, b);
      wd[r] = src.pair_d(r, b);
    }
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) {
      const uint8_t* a = act + t * act_stride;
      const __m512i xq = _mm512_loadu_si512(a + 32 * b);
      const __m512i corr = _mm512_loadu_si512(a + corr_off + 32 * b);
      const __m512 dx = _mm512_loadu_ps(reinterpret_cast<const float*>(a + dx_off) + 8 * b);
#pragma GCC unroll 4
      for (int r = 0; r < R; ++r) {
        const __m512i s = _mm512_dpbusd_epi32(corr, wq[r], xq);
        acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(wd[r], dx), acc[r][t]);
      }
    }
  }
  if (b < nb) {  // odd block count: one 256-bit step, zero-extended into the accumulators
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      const __m256i wq = src.last_q(r, b);
      const __m256 wd = src.last_d(r, b);
#pragma GCC unroll 4
      for (int t = 0; t < T; ++t) {
        const uint8_t* a = act + t * act_stride;
        const __m256i xq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + 32 * b));
        const __m256i corr =
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + corr_off + 32 * b));
        const __m256 dx = _mm256_loadu_ps(reinterpret_cast<const float*>(a + dx_off) + 8 * b);
        const __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_dpbusd_epi32(corr, wq, xq)),
                                       _mm256_mul_ps(wd, dx));
        acc[r][t] = _mm512_add_ps(acc[r][t], _mm512_zextps256_ps512(v));
      }
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) y[t * ldy + r] = _mm512_reduce_add_ps(acc[r][t]);
}

template <typename Src>
using TileFn = void (*)(const Src&, const uint8_t*, size_t, int64_t, float*, int64_t);

template <typename Src, int R>
constexpr TileFn<Src> kRowTiles[4] = {tile<R, 1, Src>, tile<R, 2, Src>, tile<R, 3, Src>,
                                      tile<R, 4, Src>};

template <typename Src>
TileFn<Src> tile_for(int r, int t) {
  switch (r) {
    case 1:
      return kRowTiles<Src, 1>[t - 1];
    case 2:
      return kRowTiles<Src, 2>[t - 1];
    case 3:
      return kRowTiles<Src, 3>[t - 1];
    default:
      return kRowTiles<Src, 4>[t - 1];
  }
}

// Decode (one token): the scale products d_w * d_x of every block of a row are formed 16
// blocks at a time (gathered scales) into a buffer, so a pair step takes one permute where
// pair_scales needed two broadcasts, an insert and a conversion. The products and the fmadd are
// those of tile<R, 1>, so the results are the same bits.
constexpr int64_t kMaxDecodeBlocks = 1024;  // n_in <= 32768

// dxb[b] = d_x(b), b < nb: the activation's block scales, gathered once per call (they are the
// same for every row) from the prepared lane scales.
template <WeightKind kKind>
void activation_scales(const uint8_t* act, int64_t nb, float* dxb) {
  const auto* dx = reinterpret_cast<const float*>(act + 64 * nb);  // [nb][8] lane scales
  const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  // Block b's d_x sits at lane 8b; Q4_0 stores a pair's second scale at lane 4 of the pair
  // (8b - 4 for odd b; a final odd block count ends on an even b, stored naturally).
  __m512i x_off = _mm512_slli_epi32(iota, 3);
  if (kKind == WeightKind::kQ4_0)
    x_off =
        _mm512_sub_epi32(x_off, _mm512_slli_epi32(_mm512_and_si512(iota, _mm512_set1_epi32(1)), 2));
  for (int64_t b = 0; b < nb; b += 16) {
    const __mmask16 m =
        nb - b >= 16 ? __mmask16{0xFFFF} : static_cast<__mmask16>((1u << (nb - b)) - 1);
    _mm512_mask_storeu_ps(dxb + b, m,
                          _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, x_off, dx + 8 * b, 4));
  }
}

// p[b] = d_w(b) * d_x(b), b < nb, for one weight row; dxb from activation_scales.
template <WeightKind kKind>
void scale_products(const uint8_t* row, const float* dxb, int64_t nb, float* p) {
  constexpr int kBlockBytes = kKind == WeightKind::kQ8_0 ? sizeof(BlockQ8_0) : sizeof(BlockQ4_0);
  const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i w_off = _mm512_mullo_epi32(iota, _mm512_set1_epi32(kBlockBytes));
  for (int64_t b = 0; b < nb; b += 16) {
    const __mmask16 m =
        nb - b >= 16 ? __mmask16{0xFFFF} : static_cast<__mmask16>((1u << (nb - b)) - 1);
    // 4 bytes from each block's start: its F16 scale in the low half.
    const __m512i raw =
        _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), m, w_off, row + b * kBlockBytes, 1);
    const __m512 dw = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(raw));
    _mm512_mask_storeu_ps(p + b, m, _mm512_mul_ps(dw, _mm512_maskz_loadu_ps(m, dxb + b)));
  }
}

// R weight rows x one token -> y[r]; dxb: [nb] activation block scales; p: [R][nb] scratch for
// the scale products.
template <WeightKind kKind, int R>
void tile_decode(const uint8_t* w, size_t stride, const uint8_t* act, const float* dxb, int64_t nb,
                 float* y, float* p) {
  for (int r = 0; r < R; ++r) scale_products<kKind>(w + r * stride, dxb, nb, p + r * nb);
  // Lane l of a pair step takes the product of block b + kPairLane[l] (pair_scales' order).
  const __m512i pair_lane = kKind == WeightKind::kQ8_0
                                ? _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1)
                                : _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1);
  const DirectWeights<kKind> src{w, stride};
  __m512 acc[R];
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
  const size_t corr_off = static_cast<size_t>(32 * nb), dx_off = static_cast<size_t>(64 * nb);
  int64_t b = 0;
  for (; b + 2 <= nb; b += 2) {
    const __m512i xq = _mm512_loadu_si512(act + 32 * b);
    const __m512i corr = _mm512_loadu_si512(act + corr_off + 32 * b);
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      const __m512i s = _mm512_dpbusd_epi32(corr, src.pair_q(r, b), xq);
      // Two floats at p[r * nb + b], 4-byte aligned only: an unaligned 64-bit load (movq).
      const __m512 two = _mm512_castps128_ps512(
          _mm_castsi128_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i_u*>(p + r * nb + b))));
      acc[r] =
          _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_permutexvar_ps(pair_lane, two), acc[r]);
    }
  }
  if (b < nb) {  // odd block count: exactly as tile<R, 1>
    const __m256i xq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(act + 32 * b));
    const __m256i corr =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(act + corr_off + 32 * b));
    const __m256 dx = _mm256_loadu_ps(reinterpret_cast<const float*>(act + dx_off) + 8 * b);
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      const __m256 v =
          _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_dpbusd_epi32(corr, src.last_q(r, b), xq)),
                        _mm256_mul_ps(src.last_d(r, b), dx));
      acc[r] = _mm512_add_ps(acc[r], _mm512_zextps256_ps512(v));
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) y[r] = _mm512_reduce_add_ps(acc[r]);
}

template <WeightKind kKind>
void rows_decode(const uint8_t* w, size_t stride, int nr, const uint8_t* act, const float* dxb,
                 int64_t nb, float* y, float* p) {
  switch (nr) {
    case 1:
      return tile_decode<kKind, 1>(w, stride, act, dxb, nb, y, p);
    case 2:
      return tile_decode<kKind, 2>(w, stride, act, dxb, nb, y, p);
    case 3:
      return tile_decode<kKind, 3>(w, stride, act, dxb, nb, y, p);
    default:
      return tile_decode<kKind, 4>(w, stride, act, dxb, nb, y, p);
  }
}

// Keeps a chunk of prepared token rows within ~256 KiB (L2) while the thread's rows stream past.
constexpr size_t kChunkBytes = 256 * 1024;
// Unpacked row tiles up to this size (4 rows of n_in <= 8192) live on the stack.
constexpr size_t kPackBytes = 64 * 1024;

template <WeightKind kKind>
void run(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* act, int n_tok,
         int64_t n_in, float* y, int64_t ldy) {
  const int64_t nb = n_in / kQK;
  const size_t stride = prepared_bytes(n_in);
  int chunk = static_cast<int>(kChunkBytes / (stride ? stride : 1)) / 4 * 4;
  if (chunk < 4) chunk = 4;
  alignas(64) uint8_t buf[kPackBytes];
  const bool can_pack = packed_bytes(4, nb) <= kPackBytes;
  if (n_tok == 1 && nb <= kMaxDecodeBlocks) {
    alignas(64) float products[4 * kMaxDecodeBlocks], dxb[kMaxDecodeBlocks];
    activation_scales<kKind>(act, nb, dxb);
    for (int64_t r = r0; r < r1; r += 4) {
      // The rows four tiles ahead, so that their lines are in flight while this tile computes
      // (prefetches do not fault, past the end of the matrix they are only wasted).
      const uintptr_t ahead = reinterpret_cast<uintptr_t>(w + r * w_stride) + 16 * w_stride;
      for (size_t off = 0; off < 4 * w_stride; off += 64)
        _mm_prefetch(reinterpret_cast<const char*>(ahead + off), _MM_HINT_T0);
      rows_decode<kKind>(w + r * w_stride, w_stride, r1 - r < 4 ? static_cast<int>(r1 - r) : 4, act,
                         dxb, nb, y + r, products);
    }
    return;
  }
  for (int t0 = 0; t0 < n_tok; t0 += chunk) {
    const int t1 = t0 + chunk < n_tok ? t0 + chunk : n_tok;
    for (int64_t r = r0; r < r1; r += 4) {
      const int nr = r1 - r < 4 ? static_cast<int>(r1 - r) : 4;
      const uint8_t* rows = w + r * w_stride;
      if (can_pack && t1 - t0 > 4) {  // several token tiles: unpack the rows once
        const PackedWeights src = pack_rows<kKind>(rows, w_stride, nr, nb, buf);
        for (int t = t0; t < t1; t += 4) {
          const int nt = t1 - t < 4 ? t1 - t : 4;
          tile_for<PackedWeights>(nr, nt)(src, act + t * stride, stride, nb, y + t * ldy + r, ldy);
        }
      } else {
        const DirectWeights<kKind> src{rows, w_stride};
        for (int t = t0; t < t1; t += 4) {
          const int nt = t1 - t < 4 ? t1 - t : 4;
          tile_for<DirectWeights<kKind>>(nr, nt)(src, act + t * stride, stride, nb, y + t * ldy + r,
                                                 ldy);
        }
      }
    }
  }
}

}  // namespace

const GemmKernel kGemmQ8_0 = {prepared_bytes, prepare<WeightKind::kQ8_0>, run<WeightKind::kQ8_0>};
const GemmKernel kGemmQ4_0 = {prepared_bytes, prepare<WeightKind::kQ4_0>, run<WeightKind::kQ4_0>};

}  // namespace hearth::kernels::avx512

// GemmKernel::run_packed for Q4_1, Q5_0 and Q5_1 weights in the R16 layout
// (kernels/packed_rows_q4q5.hpp), shared by the AVX2 (gemm_q4q5_avx2.cpp) and AVX-VNNI
// (avxvnni/gemm_q4q5_avxvnni.cpp) tables, which differ only in the u8 x s8 step (the Ops
// policy of gemm_q4q5_tiles_avx2.hpp). Include only from those two files: everything is in an
// unnamed namespace, so each includer compiles its own copy with its own flags (ctest
// isa_symbols).
//
// Why: decode of these types went through one dot product per row (dot_q4q5_avx2.cpp), which is
// bound by its per-block instructions, not by memory (perf, Q4_1 at 1 thread: 55% of decode in
// dot_q4_1, spread over the block's float and shuffle steps). Here the 8 int32 lanes of a vector
// are 8 weight rows, as in gemm_q8_tiles_avx2.hpp: one load gives 4 bytes of 8 rows (8 nibble
// values each), so a block of 8 rows takes 4 loads, 8 u8 x s8 steps and one float step, and
// the weights stream from the copy written once at load with plain loads (no gathers: Zen 5's
// gather unit is slow).
//
// Numerics: per (row, token), in block order, acc = fma(float(isum), d_w * d_x, acc), then for
// Q4_1 / Q5_1 acc = fma(m_w, s_x, acc), isum the exact integer sum (+ the Q5_0 correction):
// the operations of the batch kernels (gemm_q4q5_tiles_avx2.hpp, the AVX-512 ones), so a token
// gets the same bits alone (decode), in a batch and from the row layout (GemmKernel::run, which
// also takes a weight's last n_out % 16 rows), and the bits of the other x86 batch kernels. (The
// AVX-512 table does not repack these types yet: its decode keeps its 512-bit dot products.)
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#include "kernels/avx2/gemm_q4q5_tiles_avx2.hpp"
#include "kernels/avx2/simd_avx2.hpp"
#include "kernels/kernel_table.hpp"
#include "kernels/packed_rows_q4q5.hpp"

namespace hearth::kernels::avx2 {
namespace {

constexpr int kR16HalfRows = 8;    // rows per 256-bit vector
constexpr int kR16GroupRows = 16;  // rows per R16 group
constexpr int kR16Halves = 2;      // batch microkernel: one group
constexpr int kR16Tokens = 3;      // batch microkernel: tokens (as gemm_q4q5_tiles_avx2)
// Single token: one group (two halves) per tile. Four halves (two groups' streams, as the Q8_0 /
// Q4_0 decode) spill the int16 sums to the stack: ~10% more CPU time per token in this kernel
// at 1 thread (perf, Q4_1 and Q5_1, medians of alternating runs on the loaded 2-core Zen 5).
constexpr int kR16DecodeHalves = 2;
constexpr size_t kR16PrefetchBytes = 2048;  // single token: prefetch distance per stream
constexpr int kR16SmallBatch = 32;          // batches up to this prefetch the next row tile
constexpr int kR16UnpackTokens = 8;         // from here on: unpack each group once per token chunk

// The R16 block of one group (kernels/packed_rows_q4q5.hpp): 16 file blocks' bytes, qs first
// (4 vectors of 64 bytes), then qh (Q5_*), d and m (Q4_1 / Q5_1).
template <Q45 kKind>
struct R16 {
  static constexpr bool kFive = kKind != Q45::kQ4_1;
  static constexpr bool kMin = q45_has_min(kKind);
  static constexpr size_t kFileBlock = kKind == Q45::kQ4_1   ? sizeof(BlockQ4_1)
                                       : kKind == Q45::kQ5_0 ? sizeof(BlockQ5_0)
                                                             : sizeof(BlockQ5_1);
  static constexpr size_t kBytes = kR16GroupRows * kFileBlock;
  static constexpr size_t kQh = 256;
  static constexpr size_t kD = kFive ? kQh + 64 : kQh;
  static constexpr size_t kM = kD + 32;
};

// The microkernel: H halves (8 rows each) x T prepared tokens (act_stride apart, the layout of
// q45_prepare). w: the first half's group; half h's bytes of block b are at (h / 2) *
// group_bytes + b * R16::kBytes + (vectors: 32 (h % 2), fp16 fields: 16 (h % 2)).
// y[t * ldy + 8 h + i] for rows 8 h + i < valid. pf / pf_lines: a small batch's share of the
// next row tile to prefetch (changes no result).
template <class Ops, Q45 kKind, int H, int T>
void r16_micro(const uint8_t* w, size_t group_bytes, int64_t nb, const uint8_t* act,
               size_t act_stride, float* y, int64_t ldy, int valid, const uint8_t* pf,
               int pf_lines) {
  using L = R16<kKind>;
  const uint8_t* half[H];
#pragma GCC unroll 4
  for (int h = 0; h < H; ++h) half[h] = w + (h / 2) * group_bytes + 32 * (h % 2);
  const uint8_t* aux[T];
  const float* dx[T];
  __m256 acc[H][T];
#pragma GCC unroll 4
  for (int t = 0; t < T; ++t) {
    aux[t] = act + t * act_stride + 32 * nb;
    dx[t] = reinterpret_cast<const float*>(act + t * act_stride + 36 * nb);
#pragma GCC unroll 4
    for (int h = 0; h < H; ++h) acc[h][t] = _mm256_setzero_ps();
  }
  const __m256i low4 = _mm256_set1_epi8(0x0F), fifth = _mm256_set1_epi8(0x10);
  for (int64_t b = 0; b < nb; ++b) {
    const size_t wb = static_cast<size_t>(b) * L::kBytes;
    for (int i = 0; i < pf_lines; ++i)
      _mm_prefetch(reinterpret_cast<const char*>(pf + 64 * (b * pf_lines + i)), _MM_HINT_T0);
    if constexpr (T == 1) {
      // Decode reads each weight once, from memory: a prefetch ahead in each group's stream
      // (past its end: the next group, harmless), as gemm_q8_tiles_avx2.hpp does.
#pragma GCC unroll 4
      for (int h = 0; h < H; h += 2)
#pragma GCC unroll 8
        for (size_t l = 0; l < L::kBytes; l += 64)
          _mm_prefetch(reinterpret_cast<const char*>(half[h] + wb + kR16PrefetchBytes + l),
                       _MM_HINT_T0);
    }
    __m256i isum[H][T];
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) {
      const __m256i c = kKind == Q45::kQ5_0 ? _mm256_set1_epi32(load_i32(aux[t] + 4 * b))
                                            : _mm256_setzero_si256();
#pragma GCC unroll 4
      for (int h = 0; h < H; ++h) isum[h][t] = c;
    }
    // Rounds of Ops' narrow accumulator: 8 steps of values <= 15 (Q4_1: <= 8 * 3840 in int16),
    // 4 of values <= 31 (Q5_*: <= 4 * 7936).
    constexpr int kRoundVectors = L::kFive ? 2 : 4;
#pragma GCC unroll 2
    for (int j0 = 0; j0 < 4; j0 += kRoundVectors) {
      __m256i p[H][T];
#pragma GCC unroll 4
      for (int h = 0; h < H; ++h)
#pragma GCC unroll 4
        for (int t = 0; t < T; ++t) p[h][t] = _mm256_setzero_si256();
#pragma GCC unroll 4
      for (int j = j0; j < j0 + kRoundVectors; ++j) {
        __m256i lo[H], hi[H];
#pragma GCC unroll 4
        for (int h = 0; h < H; ++h) {
          const __m256i q =
              _mm256_loadu_si256(reinterpret_cast<const __m256i*>(half[h] + wb + 64 * j));
          lo[h] = _mm256_and_si256(q, low4);
          hi[h] = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
          if constexpr (L::kFive) {
            // Byte k of lane i holds element 4j+k's fifth bit at bit j and element 16+4j+k's at
            // bit 4+j: shift each to bit 4 (no bit of another byte lands there).
            const __m256i qh =
                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(half[h] + wb + L::kQh));
            lo[h] = _mm256_or_si256(lo[h], _mm256_and_si256(_mm256_slli_epi32(qh, 4 - j), fifth));
            hi[h] = _mm256_or_si256(hi[h], _mm256_and_si256(_mm256_srli_epi32(qh, j), fifth));
          }
        }
#pragma GCC unroll 4
        for (int t = 0; t < T; ++t) {
          const uint8_t* a = act + t * act_stride + 32 * b + 4 * j;
          const __m256i xl = _mm256_set1_epi32(load_i32(a));
          const __m256i xh = _mm256_set1_epi32(load_i32(a + 16));
#pragma GCC unroll 4
          for (int h = 0; h < H; ++h) p[h][t] = Ops::step(Ops::step(p[h][t], lo[h], xl), hi[h], xh);
        }
      }
#pragma GCC unroll 4
      for (int h = 0; h < H; ++h)
#pragma GCC unroll 4
        for (int t = 0; t < T; ++t) isum[h][t] = _mm256_add_epi32(isum[h][t], Ops::finish(p[h][t]));
    }
#pragma GCC unroll 4
    for (int h = 0; h < H; ++h) {
      const uint8_t* fields = w + (h / 2) * group_bytes + wb + 16 * (h % 2);
      const __m256 dw =
          _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(fields + L::kD)));
      __m256 mw = _mm256_setzero_ps();
      if constexpr (L::kMin)
        mw = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(fields + L::kM)));
#pragma GCC unroll 4
      for (int t = 0; t < T; ++t) {
        acc[h][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[h][t]),
                                    _mm256_mul_ps(dw, _mm256_set1_ps(dx[t][b])), acc[h][t]);
        if constexpr (L::kMin) {
          float sx;
          std::memcpy(&sx, aux[t] + 4 * b, 4);
          acc[h][t] = _mm256_fmadd_ps(mw, _mm256_set1_ps(sx), acc[h][t]);
        }
      }
    }
  }
#pragma GCC unroll 4
  for (int h = 0; h < H; ++h)
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t)
      store_rows(y + t * ldy + kR16HalfRows * h, acc[h][t], valid - kR16HalfRows * h);
}

using R16MicroFn = void (*)(const uint8_t*, size_t, int64_t, const uint8_t*, size_t, float*,
                            int64_t, int, const uint8_t*, int);

// r16_micro by tile shape: halves 1..kH x tokens 1..kT.
template <class Ops, Q45 kKind, int kH, int kT>
class R16Tiles {
 public:
  constexpr R16Tiles() : R16Tiles(std::make_integer_sequence<int, kH * kT>{}) {}
  R16MicroFn at(int halves, int tokens) const { return fns_[(halves - 1) * kT + tokens - 1]; }

 private:
  template <int... I>
  constexpr explicit R16Tiles(std::integer_sequence<int, I...>)
      : fns_{r16_micro<Ops, kKind, I / kT + 1, I % kT + 1>...} {}
  R16MicroFn fns_[kH * kT];
};

// One R16 group (16 rows of nb blocks) -> the two halves of gemm_q4q5_tiles_avx2.hpp's packed
// layout (half_bytes apart: per block 8 vectors of values with their fifth bits, float d, float
// m), the values the microkernel above merges per use. Prompts reuse each weight for many
// tokens, so merging once per token chunk and running q45_micro, the row layout's microkernel,
// is faster there (Q5_1, pp128: 18% less kernel time than r16_micro) and gives its bits.
template <Q45 kKind>
void r16_unpack_group(const uint8_t* group, int64_t nb, size_t half_bytes, uint8_t* dst) {
  using L = R16<kKind>;
  constexpr size_t kVec = q45_vectors(kKind);
  const __m256i low4 = _mm256_set1_epi8(0x0F), fifth = _mm256_set1_epi8(0x10);
  for (int half = 0; half < 2; ++half) {
    for (int64_t b = 0; b < nb; ++b) {
      const uint8_t* in = group + static_cast<size_t>(b) * L::kBytes + 32 * half;
      uint8_t* out = dst + half * half_bytes + static_cast<size_t>(b) * kVec * 32;
      __m256i qh = _mm256_setzero_si256();
      if constexpr (L::kFive)
        qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + L::kQh));
#pragma GCC unroll 4
      for (int j = 0; j < 4; ++j) {
        const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + 64 * j));
        __m256i lo = _mm256_and_si256(q, low4);
        __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
        if constexpr (L::kFive) {
          lo = _mm256_or_si256(lo, _mm256_and_si256(_mm256_slli_epi32(qh, 4 - j), fifth));
          hi = _mm256_or_si256(hi, _mm256_and_si256(_mm256_srli_epi32(qh, j), fifth));
        }
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * j), lo);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * (4 + j)), hi);
      }
      const uint8_t* fields = group + static_cast<size_t>(b) * L::kBytes + 16 * half;
      _mm256_storeu_ps(
          reinterpret_cast<float*>(out + 32 * 8),
          _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(fields + L::kD))));
      if constexpr (L::kMin)
        _mm256_storeu_ps(
            reinterpret_cast<float*>(out + 32 * 9),
            _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(fields + L::kM))));
    }
  }
}

// GemmKernel::run_packed: rows [r0, r1) (multiples of 16) of an R16 weight. One token (decode)
// streams kR16DecodeHalves halves at a time; small batches walk row tiles of one group, each
// applied to all tokens, and prefetch the next row tile across their token tiles
// (gemm_q8_tiles_avx2.hpp's run_packed); from kR16UnpackTokens on, each group is unpacked once
// per chunk of tokens that stays in L2 and runs the row layout's microkernel.
template <class Ops, Q45 kKind>
void r16_run_packed(const uint8_t* packed, size_t row_bytes, int64_t r0, int64_t r1,
                    const uint8_t* act, int n_tok, int64_t n_in, float* y, int64_t ldy) {
  static constexpr R16Tiles<Ops, kKind, kR16Halves, kR16Tokens> kBatch;
  static constexpr R16Tiles<Ops, kKind, kR16DecodeHalves, 1> kDecode;
  const int64_t nb = n_in / kQK;
  const size_t group_bytes = kR16GroupRows * row_bytes;
  const size_t stride = q45_prepared_bytes(n_in);
  if (n_tok == 1) {
    constexpr int kTileRows = kR16HalfRows * kR16DecodeHalves;
    for (int64_t r = r0; r < r1; r += kTileRows) {
      const int rows = static_cast<int>(std::min<int64_t>(r1 - r, kTileRows));
      kDecode.at(rows / kR16HalfRows, 1)(packed + (r / kR16GroupRows) * group_bytes, group_bytes,
                                         nb, act, stride, y + r, ldy, rows, nullptr, 0);
    }
    return;
  }
  int chunk = static_cast<int>(kQ45ChunkBytes / stride) / kR16Tokens * kR16Tokens;
  if (chunk < kR16Tokens) chunk = kR16Tokens;
  if (n_tok >= kR16UnpackTokens) {
    static_assert(kR16Tokens == kQ45TileTokens, "one chunking for both microkernels");
    constexpr auto seq = std::make_integer_sequence<int, kQ45TileTokens>{};
    const size_t half_bytes = static_cast<size_t>(nb) * q45_vectors(kKind) * 32;
    uint8_t* scratch = kernel_scratch(2 * half_bytes);
    for (int t0 = 0; t0 < n_tok; t0 += chunk) {
      const int t1 = std::min(n_tok, t0 + chunk);
      for (int64_t r = r0; r < r1; r += kR16GroupRows) {
        r16_unpack_group<kKind>(packed + (r / kR16GroupRows) * group_bytes, nb, half_bytes,
                                scratch);
        for (int t = t0; t < t1; t += kQ45TileTokens) {
          const int nt = std::min(t1 - t, kQ45TileTokens);
          q45_at_tokens<Ops, kKind, 2>(nt, seq)(scratch, half_bytes, act + t * stride, stride, nb,
                                                y + t * ldy + r, ldy, kR16GroupRows);
        }
      }
    }
    return;
  }
  for (int t0 = 0; t0 < n_tok; t0 += chunk) {
    const int t1 = std::min(n_tok, t0 + chunk);
    for (int64_t r = r0; r < r1; r += kR16GroupRows) {
      const uint8_t* w = packed + (r / kR16GroupRows) * group_bytes;
      const bool prefetch_next = n_tok <= kR16SmallBatch && r + kR16GroupRows < r1;
      const int64_t next_lines = prefetch_next ? static_cast<int64_t>(group_bytes / 64) : 0;
      const int n_tiles = (t1 - t0 + kR16Tokens - 1) / kR16Tokens;
      for (int k = 0; k < n_tiles; ++k) {
        const int t = t0 + k * kR16Tokens;
        const int nt = std::min(t1 - t, kR16Tokens);
        const int64_t l0 = next_lines * k / n_tiles, l1 = next_lines * (k + 1) / n_tiles;
        kBatch.at(kR16Halves, nt)(w, group_bytes, nb, act + t * stride, stride, y + t * ldy + r,
                                  ldy, kR16GroupRows, w + group_bytes + 64 * l0,
                                  static_cast<int>((l1 - l0 + nb - 1) / nb));
      }
    }
  }
}

// GemmKernel::pack_r16: kernels::pack_rows16's bytes for groups [g0, g1), the qs words of 8 rows
// moved by 4x4 dword transposes (rows i and i + 4 share a vector) instead of one 4-byte copy per
// row and word: the portable packer was the largest user of CPU time in loading these models
// (perf, Q5_1: 16% of a short run's samples).
template <Q45 kKind>
void r16_pack(const uint8_t* rows, size_t row_bytes, int64_t n_in, int64_t g0, int64_t g1,
              uint8_t* packed) {
  using L = R16<kKind>;
  constexpr size_t kQs = kKind == Q45::kQ4_1   ? offsetof(BlockQ4_1, qs)
                         : kKind == Q45::kQ5_0 ? offsetof(BlockQ5_0, qs)
                                               : offsetof(BlockQ5_1, qs);
  constexpr size_t kQhAt = kKind == Q45::kQ5_0 ? offsetof(BlockQ5_0, qh) : offsetof(BlockQ5_1, qh);
  const int64_t nb = n_in / kQK;
  for (int64_t g = g0; g < g1; ++g) {
    const size_t group_at = static_cast<size_t>(g) * kR16GroupRows * row_bytes;
    for (int64_t b = 0; b < nb; ++b) {
      const uint8_t* blk0 = rows + group_at + static_cast<size_t>(b) * L::kFileBlock;
      uint8_t* out = packed + group_at + static_cast<size_t>(b) * L::kBytes;
      for (int half = 0; half < 2; ++half) {
        const uint8_t* r = blk0 + static_cast<size_t>(kR16HalfRows * half) * row_bytes + kQs;
        __m256i a[4];
        for (int i = 0; i < 4; ++i)
          a[i] = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(r + (i + 4) * row_bytes),
                                     reinterpret_cast<const __m128i*>(r + i * row_bytes));
        const __m256i t0 = _mm256_unpacklo_epi32(a[0], a[1]),
                      t1 = _mm256_unpackhi_epi32(a[0], a[1]);
        const __m256i t2 = _mm256_unpacklo_epi32(a[2], a[3]),
                      t3 = _mm256_unpackhi_epi32(a[2], a[3]);
        const __m256i w[4] = {_mm256_unpacklo_epi64(t0, t2), _mm256_unpackhi_epi64(t0, t2),
                              _mm256_unpacklo_epi64(t1, t3), _mm256_unpackhi_epi64(t1, t3)};
        for (int j = 0; j < 4; ++j)
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 64 * j + 32 * half), w[j]);
      }
      for (int lane = 0; lane < kR16GroupRows; ++lane) {
        const uint8_t* blk = blk0 + static_cast<size_t>(lane) * row_bytes;
        if constexpr (L::kFive) {
          uint32_t qh;
          std::memcpy(&qh, blk + kQhAt, 4);
          qh = q5_qh_to_r16(qh);
          std::memcpy(out + L::kQh + 4 * lane, &qh, 4);
        }
        std::memcpy(out + L::kD + 2 * lane, blk, 2);
        if constexpr (L::kMin) std::memcpy(out + L::kM + 2 * lane, blk + 2, 2);
      }
    }
  }
}

// The GemmKernel of one type: the batch kernel's activations and row-layout run (the same bits
// per row and token), plus run_packed for the weights the loader repacks, with pack_r16.
template <class Ops, Q45 kKind>
constexpr GemmKernel q45_r16_gemm_kernel() {
  GemmKernel g = q45_gemm_kernel<Ops, kKind>();
  g.run_packed = r16_run_packed<Ops, kKind>;
  g.pack_r16 = r16_pack<kKind>;
  return g;
}

}  // namespace
}  // namespace hearth::kernels::avx2

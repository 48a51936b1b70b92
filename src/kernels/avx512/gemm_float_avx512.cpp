// AVX-512 matrix products for F32, F16 and BF16 weights on batches of tokens (prefill):
// Y[t][r] = W[r] . x[t], with the layout of gemm_q8_avx512.cpp: the 16 lanes of a vector are 16
// weight rows and one token's activation is broadcast, so one fma does 16 multiply-adds and a
// weight vector loaded once serves several tokens.
//
//   packed weights, per group of 16 rows: [n_in][16] floats (F16 / BF16 widened exactly)
//   prepared activations, per token:       [n_in] floats
//
// Numerics as llama.cpp's CPU backend: the activations are first rounded to the weight type's
// vec_dot type (F16 for F16 weights, BF16 for BF16, unchanged for F32), so every product is that
// of the two rounded operands, exact in float for F16 and BF16; only the order of the float sums
// differs (here: element order, one fma chain per (row, token)). The sum of a (row, token) does
// not depend on the tile, the row split or the thread count.
// Decode (a few tokens) stays with the dot products: it is bound by reading the weights, and
// widening them into a packed copy would only add traffic (GemmKernel::min_tokens).
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/avx2/avx2_kernels.hpp"
#include "kernels/avx512/avx512_kernels.hpp"
#include "kernels/avx512/row_groups_avx512.hpp"

namespace hearth::kernels::avx512 {
namespace {

enum class WeightKind { kF32, kF16, kBF16 };

constexpr int kMaxGroups = 4;                // row groups per microkernel (64 rows)
constexpr int kMaxTokens = 6;                // tokens per microkernel (24 accumulators)
constexpr size_t kChunkBytes = 1024 * 1024;  // prepared tokens per pass over the packed rows
constexpr int kMinTokens = 8;                // below: the dot products (see the header comment)

size_t prepared_bytes(int64_t n_in) {
  return (static_cast<size_t>(n_in) * 4 + 63) / 64 * 64;
}

// x rounded to the vec_dot type and widened back to float.
template <WeightKind kKind>
void prepare(const float* x, void* dst, int64_t n_in) {
  auto* out = static_cast<float*>(dst);
  if constexpr (kKind == WeightKind::kF32) {
    std::memcpy(out, x, static_cast<size_t>(n_in) * 4);
  } else {
    constexpr int64_t kPiece = 256;
    alignas(64) uint16_t half[kPiece];
    for (int64_t i0 = 0; i0 < n_in; i0 += kPiece) {
      const int64_t n = n_in - i0 < kPiece ? n_in - i0 : kPiece;
      if constexpr (kKind == WeightKind::kF16)
        convert_f16(x + i0, half, n);
      else
        avx2::convert_bf16(x + i0, half, n);
      for (int64_t i = 0; i < n; ++i) {
        if constexpr (kKind == WeightKind::kF16) {
          out[i0 + i] = _cvtsh_ss(half[i]);
        } else {
          const uint32_t bits = static_cast<uint32_t>(half[i]) << 16;
          std::memcpy(&out[i0 + i], &bits, 4);
        }
      }
    }
  }
}

// Rows [0, n_rows) (n_rows <= 16) of one group, starting at `rows`, into dst: [n_in][16] floats.
// Missing rows read as zeros (their lanes are never stored).
template <WeightKind kKind>
void pack_group(const uint8_t* rows, size_t w_stride, int n_rows, int64_t n_in, float* dst) {
  const __mmask16 m = lane_mask(n_rows);
  const __m512i row_off = row_offsets(w_stride);
  const __m512i zero = _mm512_setzero_si512();
  if constexpr (kKind == WeightKind::kF32) {
    for (int64_t k = 0; k < n_in; ++k)
      _mm512_store_si512(dst + 16 * k,
                         _mm512_mask_i32gather_epi32(zero, m, row_off, rows + 4 * k, 1));
  } else {
    // One gather brings elements k and k + 1 of every row (n_in is even).
    for (int64_t k = 0; k < n_in; k += 2) {
      const __m512i two = _mm512_mask_i32gather_epi32(zero, m, row_off, rows + 2 * k, 1);
      __m512 lo, hi;
      if constexpr (kKind == WeightKind::kF16) {
        lo = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(two));
        hi = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(two, 16)));
      } else {
        lo = _mm512_castsi512_ps(_mm512_slli_epi32(two, 16));
        hi = _mm512_castsi512_ps(
            _mm512_and_si512(two, _mm512_set1_epi32(static_cast<int>(0xFFFF0000u))));
      }
      _mm512_store_ps(dst + 16 * k, lo);
      _mm512_store_ps(dst + 16 * (k + 1), hi);
    }
  }
}

// G packed groups (group_floats apart) x T prepared tokens (act_stride floats apart) ->
// y[t * ldy + 16 g + i], lanes of the last group masked by last_mask.
template <int G, int T>
void micro(const float* packed, size_t group_floats, const float* act, size_t act_stride,
           int64_t n_in, float* y, int64_t ldy, __mmask16 last_mask) {
  __m512 acc[G][T];
#pragma GCC unroll 4
  for (int g = 0; g < G; ++g)
#pragma GCC unroll 6
    for (int t = 0; t < T; ++t) acc[g][t] = _mm512_setzero_ps();
  for (int64_t k = 0; k < n_in; ++k) {
    __m512 w[G];
#pragma GCC unroll 4
    for (int g = 0; g < G; ++g) w[g] = _mm512_load_ps(packed + g * group_floats + 16 * k);
#pragma GCC unroll 6
    for (int t = 0; t < T; ++t) {
      const __m512 x = _mm512_set1_ps(act[t * act_stride + k]);
#pragma GCC unroll 4
      for (int g = 0; g < G; ++g) acc[g][t] = _mm512_fmadd_ps(w[g], x, acc[g][t]);
    }
  }
#pragma GCC unroll 6
  for (int t = 0; t < T; ++t)
#pragma GCC unroll 4
    for (int g = 0; g < G; ++g)
      _mm512_mask_storeu_ps(y + t * ldy + kLanes * g, g == G - 1 ? last_mask : __mmask16{0xFFFF},
                            acc[g][t]);
}

template <int G, int T>
struct Tile {
  static constexpr auto run = micro<G, T>;
};
constexpr TileTable<Tile, kMaxGroups, kMaxTokens> kTiles;

template <WeightKind kKind>
void run(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* act_bytes,
         int n_tok, int64_t n_in, float* y, int64_t ldy) {
  const auto* act = reinterpret_cast<const float*>(act_bytes);
  const size_t stride = prepared_bytes(n_in) / 4;  // floats per prepared token
  const size_t group_floats = static_cast<size_t>(n_in) * kLanes;
  auto* packed = reinterpret_cast<float*>(pack_buffer(group_floats * kMaxGroups * 4));
  run_packed<kMaxGroups, kMaxTokens>(
      r0, r1, n_tok, token_chunk(kChunkBytes, stride * 4, kMaxTokens),
      [&](int64_t r, int g, int n_rows) {
        pack_group<kKind>(w + (r + kLanes * g) * w_stride, w_stride, n_rows, n_in,
                          packed + g * group_floats);
      },
      [&](int t, int nt, int64_t r, int groups, __mmask16 last_mask) {
        kTiles.at(groups, nt)(packed, group_floats, act + t * stride, stride, n_in, y + t * ldy + r,
                              ldy, last_mask);
      });
}

}  // namespace

// n_in a multiple of 32 (the pack reads element pairs; real models' widths are).
const GemmKernel kGemmF32 = {prepared_bytes, prepare<WeightKind::kF32>, run<WeightKind::kF32>,
                             kMinTokens};
const GemmKernel kGemmF16 = {prepared_bytes, prepare<WeightKind::kF16>, run<WeightKind::kF16>,
                             kMinTokens};
const GemmKernel kGemmBF16 = {prepared_bytes, prepare<WeightKind::kBF16>, run<WeightKind::kBF16>,
                              kMinTokens};

}  // namespace hearth::kernels::avx512

// AVX2 matrix products for F32, F16 and BF16 weights on batches of tokens (prefill):
// Y[t][r] = W[r] . x[t], as avx512/gemm_float_avx512.cpp at half the width: the 8 lanes of a
// vector are 8 weight rows and one token's activation is broadcast, so one fma does 8
// multiply-adds and a weight vector loaded once serves several tokens.
//
//   packed weights, per half of 8 rows: [n_in][8] floats (F16 / BF16 widened exactly), built per
//                                       row tile with plain loads and an 8x8 transpose
//   prepared activations, per token:    [n_in] floats
//
// Numerics as llama.cpp's CPU backend: the activations are first rounded to the weight type's
// vec_dot type (F16 for F16 weights, BF16 for BF16, unchanged for F32), so every product is that
// of the two rounded operands; the sum of a (row, token) is one fma chain in element order, the
// same bits whatever the tile, the row split or the thread count (and as the AVX-512 kernel).
// Decode (a few tokens) stays with the dot products: it is bound by reading the weights, and
// widening them into a packed copy would only add traffic (GemmKernel::min_tokens).
#include <immintrin.h>

#include <cstdint>
#include <cstring>
#include <utility>

#include "kernels/avx2/avx2_kernels.hpp"
#include "kernels/avx2/simd_avx2.hpp"

namespace hearth::kernels::avx2 {
namespace {

enum class WeightKind { kF32, kF16, kBF16 };

constexpr int kHalfRows = 8;                // rows per vector
constexpr int kTileHalves = 2;              // halves per microkernel (16 rows)
constexpr int kTileTokens = 6;              // tokens per microkernel (12 accumulators)
constexpr size_t kChunkBytes = 512 * 1024;  // prepared tokens per pass over the packed rows
constexpr int kMinTokens = 8;               // below: the dot products (see the header comment)

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
    alignas(32) uint16_t half[kPiece];
    for (int64_t i0 = 0; i0 < n_in; i0 += kPiece) {
      const int64_t n = n_in - i0 < kPiece ? n_in - i0 : kPiece;
      if constexpr (kKind == WeightKind::kF16)
        convert_f16(x + i0, half, n);
      else
        convert_bf16(x + i0, half, n);
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

// Elements k .. k+7 of one row as floats (exact).
template <WeightKind kKind>
__m256 load8(const uint8_t* row, int64_t k) {
  if constexpr (kKind == WeightKind::kF32) {
    return _mm256_loadu_ps(reinterpret_cast<const float*>(row) + k);
  } else {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 2 * k));
    if constexpr (kKind == WeightKind::kF16) return _mm256_cvtph_ps(h);
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  }
}

// Rows [0, n_rows) (n_rows <= 8), starting at `rows`, into dst: [n_in][8] floats (n_in a multiple
// of 8). Missing rows read as zeros (their lanes are never stored).
template <WeightKind kKind>
void pack_half(const uint8_t* rows, size_t w_stride, int n_rows, int64_t n_in, float* dst) {
  alignas(32) static const uint8_t kZeros[32] = {};
  const uint8_t* row[kHalfRows];
  int64_t step[kHalfRows];  // 8 for a real row, 0 for a missing one (re-reads kZeros)
  for (int i = 0; i < kHalfRows; ++i) {
    row[i] = i < n_rows ? rows + static_cast<size_t>(i) * w_stride : kZeros;
    step[i] = i < n_rows ? 8 : 0;
  }
  for (int64_t k = 0; k < n_in; k += 8) {
    __m256 v[8];
    for (int i = 0; i < 8; ++i) v[i] = load8<kKind>(row[i], k / 8 * step[i]);
    // 8x8 transpose: out[j] lane i = v[i] element j.
    __m256 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
      t[i] = _mm256_unpacklo_ps(v[i], v[i + 1]);
      t[i + 1] = _mm256_unpackhi_ps(v[i], v[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
      u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);          // elements 0 | 4
      u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);      // 1 | 5
      u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);  // 2 | 6
      u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);  // 3 | 7
    }
    float* out = dst + 8 * k;
    for (int j = 0; j < 4; ++j) {
      _mm256_storeu_ps(out + 8 * j, _mm256_permute2f128_ps(u[j], u[j + 4], 0x20));
      _mm256_storeu_ps(out + 8 * (j + 4), _mm256_permute2f128_ps(u[j], u[j + 4], 0x31));
    }
  }
}

// H packed halves (half_floats apart) x T prepared tokens (act_stride floats apart) ->
// y[t * ldy + 8 h + i] for rows 8 h + i < valid.
template <int H, int T>
void micro(const float* packed, size_t half_floats, const float* act, size_t act_stride,
           int64_t n_in, float* y, int64_t ldy, int valid) {
  __m256 acc[H][T];
#pragma GCC unroll 4
  for (int h = 0; h < H; ++h)
#pragma GCC unroll 6
    for (int t = 0; t < T; ++t) acc[h][t] = _mm256_setzero_ps();
  for (int64_t k = 0; k < n_in; ++k) {
    __m256 w[H];
#pragma GCC unroll 4
    for (int h = 0; h < H; ++h) w[h] = _mm256_loadu_ps(packed + h * half_floats + 8 * k);
#pragma GCC unroll 6
    for (int t = 0; t < T; ++t) {
      const __m256 x = _mm256_broadcast_ss(act + t * act_stride + k);
#pragma GCC unroll 4
      for (int h = 0; h < H; ++h) acc[h][t] = _mm256_fmadd_ps(w[h], x, acc[h][t]);
    }
  }
#pragma GCC unroll 4
  for (int h = 0; h < H; ++h) {
    const int rows = valid - kHalfRows * h;
#pragma GCC unroll 6
    for (int t = 0; t < T; ++t) {
      store_rows(y + t * ldy + kHalfRows * h, acc[h][t], rows);
    }
  }
}

using MicroFn = void (*)(const float*, size_t, const float*, size_t, int64_t, float*, int64_t, int);

template <int H, int... T>
constexpr MicroFn at_tokens(int t, std::integer_sequence<int, T...>) {
  constexpr MicroFn fns[] = {micro<H, T + 1>...};
  return fns[t - 1];
}

// micro<H, T> for H <= kTileHalves (2), T <= kTileTokens.
MicroFn tile(int halves, int tokens) {
  constexpr auto seq = std::make_integer_sequence<int, kTileTokens>{};
  return halves == 1 ? at_tokens<1>(tokens, seq) : at_tokens<2>(tokens, seq);
}

template <WeightKind kKind>
void run(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* act_bytes,
         int n_tok, int64_t n_in, float* y, int64_t ldy) {
  const auto* act = reinterpret_cast<const float*>(act_bytes);
  const size_t stride = prepared_bytes(n_in) / 4;  // floats per prepared token
  const size_t half_floats = static_cast<size_t>(n_in) * kHalfRows;
  auto* packed = reinterpret_cast<float*>(kernel_scratch(half_floats * kTileHalves * 4));
  int chunk = static_cast<int>(kChunkBytes / (stride * 4)) / kTileTokens * kTileTokens;
  if (chunk < kTileTokens) chunk = kTileTokens;
  constexpr int kTileRows = kHalfRows * kTileHalves;
  for (int t0 = 0; t0 < n_tok; t0 += chunk) {
    const int t1 = t0 + chunk < n_tok ? t0 + chunk : n_tok;
    for (int64_t r = r0; r < r1; r += kTileRows) {
      const int rows = static_cast<int>(r1 - r < kTileRows ? r1 - r : kTileRows);
      const int halves = (rows + kHalfRows - 1) / kHalfRows;
      for (int h = 0; h < halves; ++h) {
        const int n = rows - kHalfRows * h < kHalfRows ? rows - kHalfRows * h : kHalfRows;
        pack_half<kKind>(w + (r + kHalfRows * h) * w_stride, w_stride, n, n_in,
                         packed + h * half_floats);
      }
      for (int t = t0; t < t1; t += kTileTokens) {
        const int nt = t1 - t < kTileTokens ? t1 - t : kTileTokens;
        tile(halves, nt)(packed, half_floats, act + t * stride, stride, n_in, y + t * ldy + r, ldy,
                         rows);
      }
    }
  }
}

}  // namespace

// n_in a multiple of 8 (matmul uses the kernel only for multiples of 32).
const GemmKernel kGemmF32 = {prepared_bytes, prepare<WeightKind::kF32>, run<WeightKind::kF32>,
                             kMinTokens};
const GemmKernel kGemmF16 = {prepared_bytes, prepare<WeightKind::kF16>, run<WeightKind::kF16>,
                             kMinTokens};
const GemmKernel kGemmBF16 = {prepared_bytes, prepare<WeightKind::kBF16>, run<WeightKind::kBF16>,
                              kMinTokens};

}  // namespace hearth::kernels::avx2

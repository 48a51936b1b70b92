// NEON matrix products for F32, F16 and BF16 weights on batches of tokens (prefill):
// Y[t][r] = W[r] . x[t], the design of src/kernels/avx2/gemm_float_avx2.cpp with 4 lanes: the
// lanes of a vector are 4 weight rows and one token's activation is applied to all of them, so
// one fmla does 4 multiply-adds and a weight vector loaded once serves several tokens.
//
//   packed weights, per quarter of 4 rows: [n_in][4] floats (F16 / BF16 widened exactly), built
//                                          per row tile with plain loads and 4x4 transposes
//   prepared activations, per token:       [n_in] floats
//
// Numerics as the x86 kernels (and llama.cpp's CPU backend): the activations are first rounded to
// the weight type's vec_dot type (F16 for F16 weights, BF16 for BF16, unchanged for F32); the sum
// of a (row, token) is one fma chain in element order, the same bits whatever the tile, the row
// split or the thread count, and the same as the x86 gemm kernels. Decode (a few tokens) stays
// with the dot products (GemmKernel::min_tokens).
#include <arm_neon.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <utility>

#include "kernels/neon/neon_kernels.hpp"
#include "kernels/neon/simd_neon.hpp"

namespace hearth::kernels::neon {
namespace {

enum class WeightKind { kF32, kF16, kBF16 };

constexpr int kQuarterRows = 4;             // rows per vector
constexpr int kTileQuarters = 4;            // quarters per microkernel (16 rows)
constexpr int kTileTokens = 4;              // tokens per microkernel (16 accumulators)
constexpr size_t kChunkBytes = 512 * 1024;  // prepared tokens per pass over the packed rows
constexpr int kMinTokens = 8;               // below: the dot products

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
    alignas(16) uint16_t half[kPiece];
    for (int64_t i0 = 0; i0 < n_in; i0 += kPiece) {
      const int64_t n = n_in - i0 < kPiece ? n_in - i0 : kPiece;
      if constexpr (kKind == WeightKind::kF16)
        convert_f16(x + i0, half, n);
      else
        convert_bf16(x + i0, half, n);
      for (int64_t i = 0; i < n; ++i) {
        if constexpr (kKind == WeightKind::kF16) {
          out[i0 + i] = f16_to_f32(half[i]);
        } else {
          const uint32_t bits = static_cast<uint32_t>(half[i]) << 16;
          std::memcpy(&out[i0 + i], &bits, 4);
        }
      }
    }
  }
}

// Elements k .. k+3 of one row as floats (exact).
template <WeightKind kKind>
float32x4_t load4(const uint8_t* row, int64_t k) {
  if constexpr (kKind == WeightKind::kF32) {
    return vld1q_f32(reinterpret_cast<const float*>(row) + k);
  } else if constexpr (kKind == WeightKind::kF16) {
    return load_f16x4(reinterpret_cast<const uint16_t*>(row) + k);
  } else {
    return load_bf16x4(reinterpret_cast<const uint16_t*>(row) + k);
  }
}

// Rows [0, n_rows) (n_rows <= 4), starting at `rows`, into dst: [n_in][4] floats (n_in a multiple
// of 4). Missing rows read as zeros (their lanes are never stored).
template <WeightKind kKind>
void pack_quarter(const uint8_t* rows, size_t w_stride, int n_rows, int64_t n_in, float* dst) {
  alignas(16) static const uint8_t kZeros[16] = {};
  const uint8_t* row[kQuarterRows];
  int64_t step[kQuarterRows];  // 4 for a real row, 0 for a missing one (re-reads kZeros)
  for (int i = 0; i < kQuarterRows; ++i) {
    row[i] = i < n_rows ? rows + static_cast<size_t>(i) * w_stride : kZeros;
    step[i] = i < n_rows ? 4 : 0;
  }
  for (int64_t k = 0; k < n_in; k += 4) {
    int32x4_t v[4];
    for (int i = 0; i < 4; ++i) v[i] = vreinterpretq_s32_f32(load4<kKind>(row[i], k / 4 * step[i]));
    transpose4x4_s32(v);  // v[j] lane i = row i element k + j
    for (int j = 0; j < 4; ++j) vst1q_f32(dst + 4 * (k + j), vreinterpretq_f32_s32(v[j]));
  }
}

// Q packed quarters (quarter_floats apart) x T prepared tokens (act_stride floats apart) ->
// y[t * ldy + 4 q + i] for rows 4 q + i < valid.
template <int Q, int T>
void micro(const float* packed, size_t quarter_floats, const float* act, size_t act_stride,
           int64_t n_in, float* y, int64_t ldy, int valid) {
  float32x4_t acc[Q][T];
  for (int q = 0; q < Q; ++q)
    for (int t = 0; t < T; ++t) acc[q][t] = vdupq_n_f32(0.0f);
  for (int64_t k = 0; k < n_in; ++k) {
    float32x4_t w[Q];
    for (int q = 0; q < Q; ++q) w[q] = vld1q_f32(packed + q * quarter_floats + 4 * k);
    for (int t = 0; t < T; ++t) {
      const float x = act[t * act_stride + k];
      for (int q = 0; q < Q; ++q) acc[q][t] = vfmaq_n_f32(acc[q][t], w[q], x);
    }
  }
  for (int q = 0; q < Q; ++q)
    for (int t = 0; t < T; ++t)
      store_rows(y + t * ldy + kQuarterRows * q, acc[q][t], valid - kQuarterRows * q);
}

using MicroFn = void (*)(const float*, size_t, const float*, size_t, int64_t, float*, int64_t, int);

template <int... I>
constexpr auto make_tiles(std::integer_sequence<int, I...>) {
  return std::array<MicroFn, sizeof...(I)>{micro<I / kTileTokens + 1, I % kTileTokens + 1>...};
}

// micro<Q, T> for Q <= kTileQuarters, T <= kTileTokens.
MicroFn tile(int quarters, int tokens) {
  static constexpr auto kTiles =
      make_tiles(std::make_integer_sequence<int, kTileQuarters * kTileTokens>{});
  return kTiles[(quarters - 1) * kTileTokens + tokens - 1];
}

template <WeightKind kKind>
void run(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* act_bytes,
         int n_tok, int64_t n_in, float* y, int64_t ldy) {
  const auto* act = reinterpret_cast<const float*>(act_bytes);
  const size_t stride = prepared_bytes(n_in) / 4;  // floats per prepared token
  const size_t quarter_floats = static_cast<size_t>(n_in) * kQuarterRows;
  auto* packed = reinterpret_cast<float*>(kernel_scratch(quarter_floats * kTileQuarters * 4));
  int chunk = static_cast<int>(kChunkBytes / (stride * 4)) / kTileTokens * kTileTokens;
  if (chunk < kTileTokens) chunk = kTileTokens;
  constexpr int kTileRows = kQuarterRows * kTileQuarters;
  for (int t0 = 0; t0 < n_tok; t0 += chunk) {
    const int t1 = t0 + chunk < n_tok ? t0 + chunk : n_tok;
    for (int64_t r = r0; r < r1; r += kTileRows) {
      const int rows = static_cast<int>(r1 - r < kTileRows ? r1 - r : kTileRows);
      const int quarters = (rows + kQuarterRows - 1) / kQuarterRows;
      for (int q = 0; q < quarters; ++q) {
        const int n =
            rows - kQuarterRows * q < kQuarterRows ? rows - kQuarterRows * q : kQuarterRows;
        pack_quarter<kKind>(w + (r + kQuarterRows * q) * w_stride, w_stride, n, n_in,
                            packed + q * quarter_floats);
      }
      for (int t = t0; t < t1; t += kTileTokens) {
        const int nt = t1 - t < kTileTokens ? t1 - t : kTileTokens;
        tile(quarters, nt)(packed, quarter_floats, act + t * stride, stride, n_in, y + t * ldy + r,
                           ldy, rows);
      }
    }
  }
}

}  // namespace

// n_in a multiple of 4 (matmul uses the kernel only for multiples of 32).
const GemmKernel kGemmF32 = {prepared_bytes, prepare<WeightKind::kF32>, run<WeightKind::kF32>,
                             kMinTokens};
const GemmKernel kGemmF16 = {prepared_bytes, prepare<WeightKind::kF16>, run<WeightKind::kF16>,
                             kMinTokens};
const GemmKernel kGemmBF16 = {prepared_bytes, prepare<WeightKind::kBF16>, run<WeightKind::kBF16>,
                              kMinTokens};

}  // namespace hearth::kernels::neon

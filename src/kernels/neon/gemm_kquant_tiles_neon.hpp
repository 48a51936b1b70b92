// The NEON batch (prefill) matrix products for Q4_K and Q6_K weights with Q8_K activations,
// shared by the neon (gemm_kquant_neon.cpp: smull / smlal into int16 lanes) and neon-dotprod
// (gemm_kquant_dotprod.cpp: sdot) kernels, which differ only in how the integer sum of one
// sub-block is formed (the Ops policy). Include only from those two files: everything is in an
// unnamed namespace, so each includer compiles its own copy with its own flags and no weak symbol
// compiled with +dotprod can stand in for a portable one (ctest isa_symbols).
//
// The design of the x86 kernels (avx2/gemm_kquant_tiles_avx2.hpp) at 4 rows per vector: the 4
// int32 lanes of a vector are 4 weight rows (a "quarter"), one token's 4 activation bytes are
// applied to all lanes, each weight super-block is unpacked once per row tile and token chunk and
// then read by every token of the chunk. Per call, each row tile is unpacked into the thread's
// scratch (kernel_scratch), per quarter and super-block of 256 elements:
//   Q4_K: Q[v]   v = 0..63   lane i = row i's values (0..15) of elements 4v .. 4v+3
//         SC[j]  j = 0..7    lane i = the 6-bit scale of sub-block j (32 elements), int32
//         M[j]   j = 0..7    lane i = the 6-bit min of sub-block j, int32
//         D, DMIN            lane i = the super-block's d and dmin (float)
//   Q6_K: Q[v]   v = 0..63   lane i = row i's values w - 32 (-32..31) of elements 4v .. 4v+3
//         SC[k]  k = 0..15   lane i = the int8 scale of sub-block k (16 elements), int32
//         D                  lane i = d (float)
// Prepared activations, per token: qs [nsb][256] int8 (Q8_K, natural order), then for Q4_K the
// sub-block sums [nsb][8] int32 (for the mins), then d [nsb] float.
//
// Exactness: per (row, token) and super-block the integers are the scalar dot's sumi (and Q4_K's
// summ), then the scalar dot's float steps, separate multiplies (the AArch64 build has
// -ffp-contract=off):
//   Q4_K: sum += (d * dx) * sumi - (dmin * dx) * summ;   Q6_K: sum += (d * dx) * sumi,
// bit-identical to the scalar dot products whatever the tile, thread split or batch.
// Decode (fewer than kMinTokens tokens) keeps the dot products (GemmKernel::min_tokens).
#pragma once

#include <arm_neon.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "hearth/quant.hpp"
#include "kernels/kernel_table.hpp"
#include "kernels/neon/simd_neon.hpp"
#include "kernels/scalar/scalar_kernels.hpp"

namespace hearth::kernels::neon {
namespace {

constexpr int kKRows = 4;                    // rows per vector (one per int32 lane)
constexpr size_t kKChunkBytes = 512 * 1024;  // prepared tokens per pass over the unpacked rows
constexpr int kKMinTokens = 8;               // below: the dot products

// 16-byte vectors per quarter and super-block.
constexpr size_t kQ4KVectors = 64 + 8 + 8 + 2;  // Q, SC, M, D and DMIN
constexpr size_t kQ6KVectors = 64 + 16 + 1;     // Q, SC, D

template <bool kSix>
constexpr size_t quarter_sb_bytes() {
  return 16 * (kSix ? kQ6KVectors : kQ4KVectors);
}

template <bool kSix>
size_t kquant_prepared_bytes(int64_t n_in) {
  const size_t per_sb = 256 + (kSix ? 0 : 4 * 8) + 4;
  return (static_cast<size_t>(n_in / kQK_K) * per_sb + 63) / 64 * 64;
}

template <bool kSix>
void kquant_prepare(const float* x, void* dst, int64_t n_in) {
  const int64_t nsb = n_in / kQK_K;
  auto* qs = static_cast<int8_t*>(dst);
  auto* bsum = reinterpret_cast<int32_t*>(qs + 256 * nsb);
  auto* d = reinterpret_cast<float*>(bsum + (kSix ? 0 : 8 * nsb));
  BlockQ8_K blk;
  for (int64_t s = 0; s < nsb; ++s) {
    scalar::quantize_q8_k_act(x + s * kQK_K, &blk, kQK_K);  // the scalar dot's activations
    std::memcpy(qs + 256 * s, blk.qs, 256);
    if constexpr (!kSix) {
      for (int j = 0; j < 8; ++j) bsum[8 * s + j] = blk.bsums[2 * j] + blk.bsums[2 * j + 1];
    }
    d[s] = blk.d;
  }
}

// The 6-bit scale and min of sub-block j of a Q4_K block (hearth::k_scale_min, not called here so
// that no inline function of a shared header is compiled with the dotprod flags).
inline void k_scale_min_at(int j, const uint8_t* q, int32_t* scale, int32_t* min) {
  if (j < 4) {
    *scale = q[j] & 63;
    *min = q[j + 4] & 63;
  } else {
    *scale = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    *min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

// One row's super-block as 256 bytes in element order: Q4_K values 0..15, Q6_K values w - 32.
inline void unpack_q4_k(const BlockQ4_K& b, int8_t* out) {
  const uint8x16_t low4 = vdupq_n_u8(0x0F);
  for (int c = 0; c < 4; ++c)  // sub-blocks 2c (low nibbles) and 2c + 1 share qs[32c .. +31]
    for (int h = 0; h < 2; ++h) {
      const uint8x16_t v = vld1q_u8(b.qs + 32 * c + 16 * h);
      vst1q_s8(out + 64 * c + 16 * h, vreinterpretq_s8_u8(vandq_u8(v, low4)));
      vst1q_s8(out + 64 * c + 32 + 16 * h, vreinterpretq_s8_u8(vshrq_n_u8(v, 4)));
    }
}

// Q6_K: per half of 128, byte l of ql (l < 64) and qh (l < 32) give elements l, l+32, l+64, l+96.
inline void unpack_q6_k(const BlockQ6_K& b, int8_t* out) {
  const uint8x16_t low4 = vdupq_n_u8(0x0F), low2 = vdupq_n_u8(3);
  const int8x16_t off = vdupq_n_s8(32);
  auto join = [&](uint8x16_t nibbles, uint8x16_t two_bits) {
    const uint8x16_t q = vorrq_u8(vandq_u8(nibbles, low4), vshlq_n_u8(vandq_u8(two_bits, low2), 4));
    return vsubq_s8(vreinterpretq_s8_u8(q), off);
  };
  for (int h = 0; h < 2; ++h)
    for (int l = 0; l < 32; l += 16) {
      const uint8x16_t a = vld1q_u8(b.ql + 64 * h + l), c = vld1q_u8(b.ql + 64 * h + 32 + l);
      const uint8x16_t q = vld1q_u8(b.qh + 32 * h + l);
      int8_t* o = out + 128 * h + l;
      vst1q_s8(o, join(a, q));
      vst1q_s8(o + 32, join(c, vshrq_n_u8(q, 2)));
      vst1q_s8(o + 64, join(vshrq_n_u8(a, 4), vshrq_n_u8(q, 4)));
      vst1q_s8(o + 96, join(vshrq_n_u8(c, 4), vshrq_n_u8(q, 6)));
    }
}

// Rows [0, n_rows) (n_rows <= 4) of a row-layout weight -> one quarter [nsb][vectors][16 bytes];
// missing rows read a zero block (zero values and scales; their lanes are never stored).
template <bool kSix>
void pack_quarter(const uint8_t* rows, size_t w_stride, int n_rows, int64_t nsb, uint8_t* dst) {
  using Block = std::conditional_t<kSix, BlockQ6_K, BlockQ4_K>;
  static const Block kZero = {};
  alignas(16) int8_t vals[kKRows][256];
  for (int64_t s = 0; s < nsb; ++s) {
    const Block* b[kKRows];
    for (int i = 0; i < kKRows; ++i)
      b[i] = i < n_rows ? reinterpret_cast<const Block*>(rows + i * w_stride) + s : &kZero;
    for (int i = 0; i < kKRows; ++i) {
      if constexpr (kSix) {
        unpack_q6_k(*b[i], vals[i]);
      } else {
        unpack_q4_k(*b[i], vals[i]);
      }
    }
    uint8_t* out = dst + s * quarter_sb_bytes<kSix>();
    // 4 rows x 16 bytes -> vectors 4g .. 4g+3 (4 bytes of each row per vector).
    for (int g = 0; g < 16; ++g) {
      int32x4_t v[4];
      for (int i = 0; i < kKRows; ++i) v[i] = vreinterpretq_s32_s8(vld1q_s8(vals[i] + 16 * g));
      transpose4x4_s32(v);
      for (int k = 0; k < 4; ++k)
        vst1q_s32(reinterpret_cast<int32_t*>(out + 16 * (4 * g + k)), v[k]);
    }
    auto* meta = reinterpret_cast<int32_t*>(out + 16 * 64);
    auto* dd = reinterpret_cast<float*>(meta + 4 * 16);  // vector 80: after SC (and M)
    for (int i = 0; i < kKRows; ++i) {
      if constexpr (kSix) {
        for (int k = 0; k < 16; ++k) meta[4 * k + i] = b[i]->scales[k];
        dd[i] = f16_to_f32(b[i]->d);
      } else {
        for (int j = 0; j < 8; ++j)
          k_scale_min_at(j, b[i]->scales, &meta[4 * j + i], &meta[32 + 4 * j + i]);
        dd[i] = f16_to_f32(b[i]->d);
        dd[4 + i] = f16_to_f32(b[i]->dmin);
      }
    }
  }
}

inline const int8_t* vec_at(const uint8_t* p, size_t v) {
  return reinterpret_cast<const int8_t*>(p + 16 * v);
}

// Q quarters (quarter_bytes apart) x T prepared tokens (act_stride apart) ->
// y[t * ldy + 4 q + i] for rows 4 q + i < valid.
template <class Ops, bool kSix, int Q, int T>
void kquant_micro(const uint8_t* packed, size_t quarter_bytes, const uint8_t* act,
                  size_t act_stride, int64_t nsb, float* y, int64_t ldy, int valid) {
  constexpr int kSub = kSix ? 16 : 8;   // sub-blocks per super-block
  constexpr int kSteps = kSix ? 4 : 8;  // 4-element vectors per sub-block
  const size_t d_off = static_cast<size_t>(nsb) * (256 + (kSix ? 0 : 32));
  float32x4_t acc[Q][T];
  for (int q = 0; q < Q; ++q)
    for (int t = 0; t < T; ++t) acc[q][t] = vdupq_n_f32(0.0f);
  for (int64_t s = 0; s < nsb; ++s) {
    const uint8_t* ws[Q];
    for (int q = 0; q < Q; ++q) ws[q] = packed + q * quarter_bytes + s * quarter_sb_bytes<kSix>();
    const int8_t* x[T];
    for (int t = 0; t < T; ++t)
      x[t] = reinterpret_cast<const int8_t*>(act + t * act_stride + 256 * s);
    int32x4_t sumi[Q][T];
    for (int q = 0; q < Q; ++q)
      for (int t = 0; t < T; ++t) sumi[q][t] = vdupq_n_s32(0);
    for (int j = 0; j < kSub; ++j) {
      int32x4_t sub[Q][T];
      Ops::template sub_block<kSteps, Q, T>(ws, kSteps * j, x, sub);
      for (int q = 0; q < Q; ++q) {
        const int32x4_t sc = vld1q_s32(reinterpret_cast<const int32_t*>(ws[q] + 16 * (64 + j)));
        for (int t = 0; t < T; ++t) sumi[q][t] = vmlaq_s32(sumi[q][t], sub[q][t], sc);
      }
    }
    for (int t = 0; t < T; ++t) {
      const uint8_t* a = act + t * act_stride;
      float dx;
      std::memcpy(&dx, a + d_off + 4 * s, 4);
      for (int q = 0; q < Q; ++q) {
        const auto* dd = reinterpret_cast<const float*>(ws[q] + 16 * 80);  // D (Q4_K: DMIN)
        const float32x4_t dw = vld1q_f32(dd);
        const float32x4_t plus = vmulq_f32(vmulq_n_f32(dw, dx), vcvtq_f32_s32(sumi[q][t]));
        if constexpr (kSix) {
          acc[q][t] = vaddq_f32(acc[q][t], plus);
        } else {
          // summ = sum_j min_j * (sum of the token's sub-block j), exact in int32.
          const auto* bsum = reinterpret_cast<const int32_t*>(a + 256 * nsb) + 8 * s;
          int32x4_t summ = vdupq_n_s32(0);
          for (int j = 0; j < 8; ++j)
            summ = vmlaq_n_s32(
                summ, vld1q_s32(reinterpret_cast<const int32_t*>(ws[q] + 16 * (72 + j))), bsum[j]);
          const float32x4_t minus =
              vmulq_f32(vmulq_n_f32(vld1q_f32(dd + 4), dx), vcvtq_f32_s32(summ));
          acc[q][t] = vaddq_f32(acc[q][t], vsubq_f32(plus, minus));
        }
      }
    }
  }
  for (int q = 0; q < Q; ++q)
    for (int t = 0; t < T; ++t) store_rows(y + t * ldy + kKRows * q, acc[q][t], valid - kKRows * q);
}

using KMicroFn = void (*)(const uint8_t*, size_t, const uint8_t*, size_t, int64_t, float*, int64_t,
                          int);

// kquant_micro<Ops, kSix, Q, T> by tile shape, Q <= Ops::kQuarters, T <= Ops::kTokens.
template <class Ops, bool kSix>
class KTiles {
 public:
  constexpr KTiles() : KTiles(std::make_integer_sequence<int, Ops::kQuarters * Ops::kTokens>{}) {}
  KMicroFn at(int quarters, int tokens) const {
    return fns_[(quarters - 1) * Ops::kTokens + tokens - 1];
  }

 private:
  template <int... I>
  constexpr explicit KTiles(std::integer_sequence<int, I...>)
      : fns_{kquant_micro<Ops, kSix, I / Ops::kTokens + 1, I % Ops::kTokens + 1>...} {}
  KMicroFn fns_[Ops::kQuarters * Ops::kTokens];
};

template <class Ops, bool kSix>
void kquant_run(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* act,
                int n_tok, int64_t n_in, float* y, int64_t ldy) {
  static constexpr KTiles<Ops, kSix> kTiles;
  const int64_t nsb = n_in / kQK_K;
  const size_t stride = kquant_prepared_bytes<kSix>(n_in);
  const size_t quarter_bytes = static_cast<size_t>(nsb) * quarter_sb_bytes<kSix>();
  uint8_t* packed = kernel_scratch(quarter_bytes * Ops::kQuarters);
  int chunk = static_cast<int>(kKChunkBytes / stride) / Ops::kTokens * Ops::kTokens;
  if (chunk < Ops::kTokens) chunk = Ops::kTokens;
  constexpr int kTileRows = kKRows * Ops::kQuarters;
  for (int t0 = 0; t0 < n_tok; t0 += chunk) {
    const int t1 = t0 + chunk < n_tok ? t0 + chunk : n_tok;
    for (int64_t r = r0; r < r1; r += kTileRows) {
      const int rows = static_cast<int>(r1 - r < kTileRows ? r1 - r : kTileRows);
      const int quarters = (rows + kKRows - 1) / kKRows;
      for (int q = 0; q < quarters; ++q) {
        const int n = rows - kKRows * q < kKRows ? rows - kKRows * q : kKRows;
        pack_quarter<kSix>(w + (r + kKRows * q) * w_stride, w_stride, n, nsb,
                           packed + q * quarter_bytes);
      }
      for (int t = t0; t < t1; t += Ops::kTokens) {
        const int nt = t1 - t < Ops::kTokens ? t1 - t : Ops::kTokens;
        kTiles.at(quarters, nt)(packed, quarter_bytes, act + t * stride, stride, nsb,
                                y + t * ldy + r, ldy, rows);
      }
    }
  }
}

// The GemmKernel of Q4_K (kSix false) or Q6_K.
template <class Ops, bool kSix>
constexpr GemmKernel kquant_gemm_kernel() {
  GemmKernel g{};
  g.prepared_bytes = kquant_prepared_bytes<kSix>;
  g.prepare = kquant_prepare<kSix>;
  g.run = kquant_run<Ops, kSix>;
  g.min_tokens = kKMinTokens;
  return g;
}

}  // namespace
}  // namespace hearth::kernels::neon

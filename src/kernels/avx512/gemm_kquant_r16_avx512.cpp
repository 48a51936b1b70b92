// AVX-512 VNNI matrix products for Q4_K and Q6_K weights in the R16 layout
// (kernels/packed_rows_kquant.hpp), written once by the model loader: Y[t][r] = W[r] . x[t] for
// every batch size, decode's single token included, with plain 64-byte loads of each group's
// sequential stream (no gathers, no per-call packing, no per-row dot products).
//
// Weights per group of 16 rows, super-block s (256 elements) = W vectors of 64 bytes, vector w
// lane i = 4-byte word w of row i's file block:
//   Q4_K (W = 36): w 0 d | dmin, w 1-3 the 12 scale bytes, w 4 + 8c + k the qs bytes whose low
//     nibbles are elements 4k..4k+3 of sub-block 2c and high nibbles those of sub-block 2c+1;
//   Q6_K (W = 52): w 0-31 ql, w 32-47 qh, w 48-51 the int8 scales; d [nsb][16] fp16 at the end.
// Activations: gemm_kquant_avx512.cpp's prepare (per token qs [nsb][256] int8, then Q4_K's bsum
// pairs [nsb][4] or Q6_K's corrections [nsb][16] int32, then d [nsb] float).
//
// The arithmetic is gemm_kquant_avx512.cpp's microkernel's, with the values unpacked in registers
// instead of read from its per-call packed copy: per (row, token) and super-block
//   Q4_K: sumi = sum_j sc_j * (q . x)_j, summ = sum_j m_j * bsum_j (exact in int32),
//         sum += (d * dx) * sumi - (dmin * dx) * summ;
//   Q6_K: sumi = sum_k sc_k * (corr_k + q . x)_k, sum += (d * dx) * sumi
// (separate multiplies, no fma, super-blocks in order): the scalar dots' bits, whatever the tile,
// batch or thread count. Loads are unaligned: a Q6_K group is 3360 * nsb bytes, not always a
// multiple of 64.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "hearth/quant.hpp"
#include "kernels/avx512/avx512_kernels.hpp"
#include "kernels/avx512/row_groups_avx512.hpp"
#include "kernels/packed_rows.hpp"

namespace hearth::kernels::avx512 {
namespace {

constexpr int kMaxGroups = 2;  // row groups per prefill microkernel (32 rows)
constexpr int kMaxTokens = 4;  // tokens per prefill microkernel
// Row groups per single-token microkernel: four row streams amortize the broadcasts; Q6_K's
// one-token path holds four sums per group, so two (four measured the same within noise).
template <bool kSix>
constexpr int kDecodeGroups = kSix ? 2 : 4;
constexpr int kSmallBatch = 32;  // batches up to this prefetch the next row tile

template <bool kSix>
constexpr size_t sb_bytes() {  // one super-block of a group: W vectors
  return 64 * (kSix ? 52 : 36);
}

// Byte b (0..3) of every lane of v, as int32.
inline __m512i byte_of(__m512i v, int b) {
  return _mm512_and_si512(_mm512_srli_epi32(v, 8 * b), _mm512_set1_epi32(0xFF));
}

// Q4_K's 6-bit scale of sub-block j and min of sub-block j + (0 or 1) of one super-block of a
// group, from its scale words (w 1-3: bytes 0-3, 4-7, 8-11; as hearth::k_scale_min). Computed
// where used from L1 rather than kept: four groups' 8 scales and 4 min pairs would spill.
inline __m512i scale_word(const uint8_t* sb, int b) {
  return byte_of(_mm512_loadu_si512(sb + 64 * (1 + b / 4)), b % 4);
}
inline __m512i q4_k_scale(const uint8_t* sb, int j) {
  if (j < 4) return _mm512_and_si512(scale_word(sb, j), _mm512_set1_epi32(63));
  return _mm512_or_si512(_mm512_and_si512(scale_word(sb, j + 4), _mm512_set1_epi32(0xF)),
                         _mm512_slli_epi32(_mm512_srli_epi32(scale_word(sb, j - 4), 6), 4));
}
inline __m512i q4_k_min(const uint8_t* sb, int j) {
  if (j < 4) return _mm512_and_si512(scale_word(sb, j + 4), _mm512_set1_epi32(63));
  return _mm512_or_si512(_mm512_srli_epi32(scale_word(sb, j + 4), 4),
                         _mm512_slli_epi32(_mm512_srli_epi32(scale_word(sb, j), 6), 4));
}

// nib | (two & 0x30) in one vpternlogd (0xF8: A | (B & C)).
inline __m512i join6(__m512i nib, __m512i two) {
  return _mm512_ternarylogic_epi32(nib, two, _mm512_set1_epi8(0x30), 0xF8);
}

// Q6_K's scale of 16-element sub-block k (sign-extended int8) in every lane.
inline __m512i q6_k_scale(const uint8_t* sb, int k) {
  const __m512i w = _mm512_loadu_si512(sb + 64 * (48 + k / 4));
  return _mm512_srai_epi32(_mm512_slli_epi32(w, 24 - 8 * (k % 4)), 24);
}

// The unsigned 6-bit values of Q6_K elements e..e+3 (e a multiple of 4) in every lane: the low
// nibble or high nibble of an ql word and two bits of a qh word (dequantize.cpp's reading).
inline __m512i q6_k_values(const uint8_t* sb, int e) {
  const int h = e / 128, quarter = e % 128 / 32, l = e % 32;
  const __m512i ql = _mm512_loadu_si512(sb + 64 * (16 * h + (quarter & 1) * 8 + l / 4));
  const __m512i qh = _mm512_loadu_si512(sb + 64 * (32 + 8 * h + l / 4));
  const __m512i nib =
      _mm512_and_si512(quarter >= 2 ? _mm512_srli_epi16(ql, 4) : ql, _mm512_set1_epi8(0x0F));
  // Bits 2 quarter, 2 quarter + 1 of each qh byte to bits 4, 5 (16-bit shifts: the bits that
  // cross a byte boundary are masked off).
  const __m512i two = quarter == 0   ? _mm512_slli_epi16(qh, 4)
                      : quarter == 1 ? _mm512_slli_epi16(qh, 2)
                      : quarter == 2 ? qh
                                     : _mm512_srli_epi16(qh, 2);
  return join6(nib, two);
}

// G groups (group_bytes apart, from `group`) x T prepared tokens (act_stride apart) ->
// y[t * ldy + 16 g + i]. Per super-block it also prefetches pf_lines cache lines from pf (the
// next row tile of a small batch, see run_small_batch): prefetches change no result.
template <bool kSix, int G, int T>
void micro(const uint8_t* group, size_t group_bytes, const uint8_t* act, size_t act_stride,
           int64_t nsb, float* y, int64_t ldy, const uint8_t* pf, int pf_lines) {
  constexpr size_t kSb = sb_bytes<kSix>();
  const size_t extra_off = static_cast<size_t>(256 * nsb);
  const size_t d_off = extra_off + (kSix ? 64 : 16) * static_cast<size_t>(nsb);
  __m512 acc[G][T];
#pragma GCC unroll 4
  for (int g = 0; g < G; ++g)
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) acc[g][t] = _mm512_setzero_ps();
  for (int64_t s = 0; s < nsb; ++s) {
    // This super-block's share of the next tile, spread over its sub-blocks (a burst of a whole
    // super-block's lines at once would queue behind the fill buffers).
    const uint8_t* pf_sb = pf_lines ? pf + 64 * s * pf_lines : pf;  // prefill: pf null
    auto prefetch = [&](int part, int parts) {
      for (int i = pf_lines * part / parts; i < pf_lines * (part + 1) / parts; ++i)
        _mm_prefetch(reinterpret_cast<const char*>(pf_sb + 64 * i), _MM_HINT_T0);
    };
    const uint8_t* sb0 = group + s * kSb;
    // Activation bytes e..e+3 of token t's super-block s, in every lane.
    auto broadcast = [&](int t, int e) {
      return _mm512_set1_epi32(load_i32(act + t * act_stride + 256 * s + e));
    };
    __m512i sumi[G][T];
#pragma GCC unroll 4
    for (int g = 0; g < G; ++g)
#pragma GCC unroll 4
      for (int t = 0; t < T; ++t) sumi[g][t] = _mm512_setzero_si512();
    if constexpr (kSix) {
      if constexpr (T == 1) {
        // One token: each (ql, ql + 32, qh) word triple gives 4 value vectors, elements e, e + 32,
        // e + 64, e + 96 of a half (e = 128 h + 4 k'), so four sub-blocks (8 h + p + 2 m, p = k' /
        // 4) are summed at once: 3 loads and 13 operations per 4 vectors instead of 8 and 20. The
        // integer sums are exact, so their order changes no bit.
        const __m512i low = _mm512_set1_epi8(0x0F);
        for (int h = 0; h < 2; ++h)
          for (int p = 0; p < 2; ++p) {
            __m512i isum[G][4];
#pragma GCC unroll 4
            for (int m = 0; m < 4; ++m) {
              const __m512i c =
                  _mm512_set1_epi32(load_i32(act + extra_off + 4 * (16 * s + 8 * h + p + 2 * m)));
#pragma GCC unroll 4
              for (int g = 0; g < G; ++g) isum[g][m] = c;
            }
#pragma GCC unroll 4
            for (int kk = 4 * p; kk < 4 * p + 4; ++kk) {
              const int e = 128 * h + 4 * kk;
              prefetch(8 * h + 4 * p + kk % 4, 16);
#pragma GCC unroll 4
              for (int g = 0; g < G; ++g) {
                const uint8_t* sb = sb0 + g * group_bytes;
                const __m512i a = _mm512_loadu_si512(sb + 64 * (16 * h + kk));
                const __m512i b = _mm512_loadu_si512(sb + 64 * (16 * h + 8 + kk));
                const __m512i qh = _mm512_loadu_si512(sb + 64 * (32 + 8 * h + kk));
                const __m512i v[4] = {join6(_mm512_and_si512(a, low), _mm512_slli_epi16(qh, 4)),
                                      join6(_mm512_and_si512(b, low), _mm512_slli_epi16(qh, 2)),
                                      join6(_mm512_and_si512(_mm512_srli_epi16(a, 4), low), qh),
                                      join6(_mm512_and_si512(_mm512_srli_epi16(b, 4), low),
                                            _mm512_srli_epi16(qh, 2))};
#pragma GCC unroll 4
                for (int m = 0; m < 4; ++m)
                  isum[g][m] = _mm512_dpbusd_epi32(isum[g][m], v[m], broadcast(0, e + 32 * m));
              }
            }
#pragma GCC unroll 4
            for (int g = 0; g < G; ++g)
#pragma GCC unroll 4
              for (int m = 0; m < 4; ++m)
                sumi[g][0] = _mm512_add_epi32(
                    sumi[g][0], _mm512_mullo_epi32(isum[g][m], q6_k_scale(sb0 + g * group_bytes,
                                                                          8 * h + p + 2 * m)));
          }
      } else {
        for (int k = 0; k < 16; ++k) {  // sub-blocks of 16 elements
          prefetch(k, 16);
          __m512i isum[G][T];
#pragma GCC unroll 4
          for (int t = 0; t < T; ++t) {
            const __m512i c =
                _mm512_set1_epi32(load_i32(act + t * act_stride + extra_off + 4 * (16 * s + k)));
#pragma GCC unroll 4
            for (int g = 0; g < G; ++g) isum[g][t] = c;
          }
#pragma GCC unroll 4
          for (int v = 0; v < 4; ++v) {
            const int e = 16 * k + 4 * v;
#pragma GCC unroll 4
            for (int g = 0; g < G; ++g) {
              const __m512i q = q6_k_values(sb0 + g * group_bytes, e);
#pragma GCC unroll 4
              for (int t = 0; t < T; ++t)
                isum[g][t] = _mm512_dpbusd_epi32(isum[g][t], q, broadcast(t, e));
            }
          }
#pragma GCC unroll 4
          for (int g = 0; g < G; ++g) {
            const __m512i sc = q6_k_scale(sb0 + g * group_bytes, k);
#pragma GCC unroll 4
            for (int t = 0; t < T; ++t)
              sumi[g][t] = _mm512_add_epi32(sumi[g][t], _mm512_mullo_epi32(isum[g][t], sc));
          }
        }
      }
      // Q6_K: d of the 16 rows of each group, after all super-blocks.
#pragma GCC unroll 4
      for (int g = 0; g < G; ++g) {
        const uint8_t* d_at = group + g * group_bytes + nsb * kSb + 32 * s;
        const __m512 dw =
            _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(d_at)));
#pragma GCC unroll 4
        for (int t = 0; t < T; ++t) {
          float dx;
          std::memcpy(&dx, act + t * act_stride + d_off + 4 * s, 4);
          acc[g][t] = _mm512_add_ps(acc[g][t], _mm512_mul_ps(_mm512_mul_ps(dw, _mm512_set1_ps(dx)),
                                                             _mm512_cvtepi32_ps(sumi[g][t])));
        }
      }
    } else {
      // Sub-blocks of 32 elements, kNib per pass: one token takes both nibbles of each loaded
      // vector (sub-blocks 2c and 2c + 1: one load per 64 bytes); batches keep one sub-block's
      // sums per (group, token) in registers and load each vector twice (from L1).
      constexpr int kNib = T == 1 ? 2 : 1;
      for (int j0 = 0; j0 < 8; j0 += kNib) {
        prefetch(j0 / kNib, 8 / kNib);
        __m512i isum[G][T][kNib];
#pragma GCC unroll 4
        for (int g = 0; g < G; ++g)
#pragma GCC unroll 4
          for (int t = 0; t < T; ++t)
#pragma GCC unroll 2
            for (int n = 0; n < kNib; ++n) isum[g][t][n] = _mm512_setzero_si512();
#pragma GCC unroll 8
        for (int k = 0; k < 8; ++k) {
#pragma GCC unroll 4
          for (int g = 0; g < G; ++g) {
            const __m512i v =
                _mm512_loadu_si512(sb0 + g * group_bytes + 64 * (4 + 8 * (j0 / 2) + k));
#pragma GCC unroll 2
            for (int n = 0; n < kNib; ++n) {
              const int j = j0 + n;
              const __m512i q =
                  _mm512_and_si512(j % 2 ? _mm512_srli_epi16(v, 4) : v, _mm512_set1_epi8(0x0F));
#pragma GCC unroll 4
              for (int t = 0; t < T; ++t)
                isum[g][t][n] = _mm512_dpbusd_epi32(isum[g][t][n], q, broadcast(t, 32 * j + 4 * k));
            }
          }
        }
#pragma GCC unroll 4
        for (int g = 0; g < G; ++g)
#pragma GCC unroll 2
          for (int n = 0; n < kNib; ++n) {
            const __m512i sc = q4_k_scale(sb0 + g * group_bytes, j0 + n);
#pragma GCC unroll 4
            for (int t = 0; t < T; ++t)
              sumi[g][t] = _mm512_add_epi32(sumi[g][t], _mm512_mullo_epi32(isum[g][t][n], sc));
          }
      }
#pragma GCC unroll 4
      for (int g = 0; g < G; ++g) {
        const __m512i dm = _mm512_loadu_si512(sb0 + g * group_bytes);
        const __m512 dw = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(dm));
        const __m512 dmin = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(dm, 16)));
        __m512i mp[4];  // m_2p | m_2p+1 << 16
        for (int p = 0; p < 4; ++p)
          mp[p] =
              _mm512_or_si512(q4_k_min(sb0 + g * group_bytes, 2 * p),
                              _mm512_slli_epi32(q4_k_min(sb0 + g * group_bytes, 2 * p + 1), 16));
#pragma GCC unroll 4
        for (int t = 0; t < T; ++t) {
          const uint8_t* a = act + t * act_stride;
          float dx;
          std::memcpy(&dx, a + d_off + 4 * s, 4);
          const __m512 vdx = _mm512_set1_ps(dx);
          const auto* pairs = reinterpret_cast<const int32_t*>(a + extra_off) + 4 * s;
          __m512i summ = _mm512_setzero_si512();
          for (int p = 0; p < 4; ++p)
            summ = _mm512_dpwssd_epi32(summ, mp[p], _mm512_set1_epi32(pairs[p]));
          const __m512 plus = _mm512_mul_ps(_mm512_mul_ps(dw, vdx), _mm512_cvtepi32_ps(sumi[g][t]));
          const __m512 minus = _mm512_mul_ps(_mm512_mul_ps(dmin, vdx), _mm512_cvtepi32_ps(summ));
          acc[g][t] = _mm512_add_ps(acc[g][t], _mm512_sub_ps(plus, minus));
        }
      }
    }
  }
#pragma GCC unroll 4
  for (int t = 0; t < T; ++t)
#pragma GCC unroll 4
    for (int g = 0; g < G; ++g) _mm512_storeu_ps(y + t * ldy + kLanes * g, acc[g][t]);
}

template <bool kSix>
struct Kind {
  template <int G, int T>
  struct Tile {
    static constexpr auto run = micro<kSix, G, T>;
  };
};

template <bool kSix>
void run_r16(const uint8_t* packed, size_t row_bytes, int64_t r0, int64_t r1, const uint8_t* act,
             int n_tok, int64_t n_in, float* y, int64_t ldy) {
  static constexpr TileTable<Kind<kSix>::template Tile, kDecodeGroups<kSix>, 1> kDecodeTiles;
  static constexpr TileTable<Kind<kSix>::template Tile, kMaxGroups, kMaxTokens> kTiles;
  const int64_t nsb = n_in / kQK_K;
  const size_t group_bytes = kPackedRows * row_bytes;
  // The activations' layout is the batch kernel's (gemm_kquant_avx512.cpp prepares them).
  const size_t stride = (kSix ? kGemmQ6_K : kGemmQ4_K).prepared_bytes(n_in);
  if (n_tok == 1) {
    // Decode: each weight is used once; more row streams per call amortize the broadcasts.
    // Prefetching each of the four streams a fixed 2-16 super-blocks ahead instead of the next
    // tile (one sequential sweep) measured 1.5-2.5x slower from memory (hearth_bench R16/*_k).
    run_small_batch<kDecodeGroups<kSix>, 1>(kDecodeTiles, packed, group_bytes, r0, r1, act, stride,
                                            1, nsb, y, ldy);
    return;
  }
  if (n_tok <= kSmallBatch) {
    run_small_batch<kMaxGroups, kMaxTokens>(kTiles, packed, group_bytes, r0, r1, act, stride, n_tok,
                                            nsb, y, ldy);
    return;
  }
  // Prompts: gemm_kquant_avx512.cpp's batch kernel on a per-tile copy in its layout (values as
  // bytes, scales as int32: no unpacking per token), made from the R16 group by plain loads.
  if constexpr (kSix)
    run_r16_prefill_q6_k(packed, row_bytes, r0, r1, act, n_tok, n_in, y, ldy);
  else
    run_r16_prefill_q4_k(packed, row_bytes, r0, r1, act, n_tok, n_in, y, ldy);
}

}  // namespace

void run_r16_q4_k(const uint8_t* packed, size_t row_bytes, int64_t r0, int64_t r1,
                  const uint8_t* act, int n_tok, int64_t n_in, float* y, int64_t ldy) {
  run_r16<false>(packed, row_bytes, r0, r1, act, n_tok, n_in, y, ldy);
}

void run_r16_q6_k(const uint8_t* packed, size_t row_bytes, int64_t r0, int64_t r1,
                  const uint8_t* act, int n_tok, int64_t n_in, float* y, int64_t ldy) {
  run_r16<true>(packed, row_bytes, r0, r1, act, n_tok, n_in, y, ldy);
}

}  // namespace hearth::kernels::avx512

// AVX-512 VNNI dot products of Q4_1, Q5_0, Q5_1 (with Q8_1 / Q8_0 activations) and Q5_K (with
// Q8_K) weight rows: the decode path of those types on the AVX-512 table (the AVX2 versions in
// avx2/dot_q4q5_avx2.cpp need vpmaddubsw + vpmaddwd per 32 bytes and a shuffle, compare and mask
// for the fifth bits; here one vpdpbusd takes 64 bytes and the fifth bits are a byte mask).
//
// Q4_1 / Q5_0 / Q5_1: two blocks per 512-bit vector (lanes 0-7 block b, 8-15 block b+1); per
// block the integer sum q . x is exact in int32, scaled by d_w * d_x and summed in float lanes
// (the tests allow the float rounding of that order); Q5_0's offset 16 is removed exactly by
// -16 * sum(x) (vpdpbusd of 16s and x); the min term of Q4_1 / Q5_1 (m_w * s_x) is summed aside.
// Q5_K: the exact integers of the scalar dot per super-block, then its float steps:
// bit-identical to it.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "hearth/quant.hpp"
#include "kernels/avx512/avx512_kernels.hpp"

namespace hearth::kernels::avx512 {
namespace {

// One block's 32 nibbles in element order (low nibbles of qs are elements 0..15, high 16..31).
__m256i nibbles(const uint8_t* qs) {
  const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), _mm256_set1_epi8(0x0F));
}

uint64_t qh_bits(const uint8_t* qh) {
  uint32_t v;
  std::memcpy(&v, qh, 4);
  return v;
}

// Blocks b and b+1 of a 32-element type: the 64 values (with the fifth bits of qh for Q5_*),
// the two scale products d_w * d_x in lanes 0-7 / 8-15.
template <bool kFive, typename Block, typename Act>
__m512i two_blocks(const Block* w, const Act* x, int64_t b, __m512* scale) {
  __m512i q = _mm512_inserti64x4(_mm512_castsi256_si512(nibbles(w[b].qs)), nibbles(w[b + 1].qs), 1);
  if constexpr (kFive) {
    const __mmask64 hb = qh_bits(w[b].qh) | (qh_bits(w[b + 1].qh) << 32);
    q = _mm512_or_si512(q, _mm512_maskz_mov_epi8(hb, _mm512_set1_epi8(0x10)));
  }
  *scale = _mm512_insertf32x8(_mm512_set1_ps(_cvtsh_ss(w[b].d) * _cvtsh_ss(x[b].d)),
                              _mm256_set1_ps(_cvtsh_ss(w[b + 1].d) * _cvtsh_ss(x[b + 1].d)), 1);
  return q;
}

__m512i two_acts(const int8_t* x0, const int8_t* x1) {
  return _mm512_inserti64x4(
      _mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x0))),
      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x1)), 1);
}

// Q4_1 / Q5_1 with Q8_1 activations.
template <bool kFive, typename Block>
float dot_min(const Block* w, const BlockQ8_1* x, int64_t nb) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = acc0;
  float mins = 0;
  int64_t b = 0;
  auto pair = [&](int64_t i, __m512 acc) {
    __m512 scale;
    const __m512i q = two_blocks<kFive>(w, x, i, &scale);
    const __m512i s =
        _mm512_dpbusd_epi32(_mm512_setzero_si512(), q, two_acts(x[i].qs, x[i + 1].qs));
    return _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), scale, acc);
  };
  for (; b + 4 <= nb; b += 4) {
    acc0 = pair(b, acc0);
    acc1 = pair(b + 2, acc1);
  }
  if (b + 2 <= nb) {
    acc0 = pair(b, acc0);
    b += 2;
  }
  float tail = 0;
  if (b < nb) {  // a last odd block, on 256 bits
    __m256i q = nibbles(w[b].qs);
    if constexpr (kFive)
      q = _mm256_mask_mov_epi8(q, static_cast<__mmask32>(qh_bits(w[b].qh)),
                               _mm256_or_si256(q, _mm256_set1_epi8(0x10)));
    const __m256i s = _mm256_dpbusd_epi32(
        _mm256_setzero_si256(), q, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].qs)));
    const __m256 f =
        _mm256_mul_ps(_mm256_cvtepi32_ps(s), _mm256_set1_ps(_cvtsh_ss(w[b].d) * _cvtsh_ss(x[b].d)));
    tail = _mm512_reduce_add_ps(_mm512_insertf32x8(_mm512_setzero_ps(), f, 0));
  }
  for (int64_t i = 0; i < nb; ++i) mins += _cvtsh_ss(w[i].m) * _cvtsh_ss(x[i].s);
  return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1)) + tail + mins;
}

}  // namespace

float dot_q4_1(const void* w, const void* x, int64_t n) {
  return dot_min<false>(static_cast<const BlockQ4_1*>(w), static_cast<const BlockQ8_1*>(x),
                        n / kQK);
}

float dot_q5_1(const void* w, const void* x, int64_t n) {
  return dot_min<true>(static_cast<const BlockQ5_1*>(w), static_cast<const BlockQ8_1*>(x), n / kQK);
}

// Q5_0: sum((q - 16) * x) = q . x - 16 * sum(x), both exact in int32.
float dot_q5_0(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const BlockQ5_0*>(wv);
  const auto* x = static_cast<const BlockQ8_0*>(xv);
  const int64_t nb = n / kQK;
  const __m512i sixteen = _mm512_set1_epi8(16);
  __m512 acc0 = _mm512_setzero_ps(), acc1 = acc0;
  auto pair = [&](int64_t i, __m512 acc) {
    __m512 scale;
    const __m512i q = two_blocks<true>(w, x, i, &scale);
    const __m512i xq = two_acts(x[i].qs, x[i + 1].qs);
    const __m512i s = _mm512_sub_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), q, xq),
                                       _mm512_dpbusd_epi32(_mm512_setzero_si512(), sixteen, xq));
    return _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), scale, acc);
  };
  int64_t b = 0;
  for (; b + 4 <= nb; b += 4) {
    acc0 = pair(b, acc0);
    acc1 = pair(b + 2, acc1);
  }
  if (b + 2 <= nb) {
    acc0 = pair(b, acc0);
    b += 2;
  }
  float tail = 0;
  if (b < nb) {
    int s = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      const uint32_t h = static_cast<uint32_t>(qh_bits(w[b].qh));
      const int lo = (w[b].qs[j] & 0xF) | static_cast<int>(((h >> j) & 1) << 4);
      const int hi = (w[b].qs[j] >> 4) | static_cast<int>(((h >> (j + 16)) & 1) << 4);
      s += (lo - 16) * x[b].qs[j] + (hi - 16) * x[b].qs[j + 16];
    }
    tail = static_cast<float>(s) * (_cvtsh_ss(w[b].d) * _cvtsh_ss(x[b].d));
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1)) + tail;
}

// Q5_K: chunk c of 64 elements holds sub-blocks 2c (low nibbles of qs[32c..32c+31], fifth bit
// 2c of qh[l]) and 2c+1 (high nibbles, bit 2c+1): one 512-bit vector, lanes 0-7 sub-block 2c,
// 8-15 sub-block 2c+1, each lane scaled by its sub-block's 6-bit scale (exact in int32).
float dot_q5_k(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const BlockQ5_K*>(wv);
  const auto* x = static_cast<const BlockQ8_K*>(xv);
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  const __m512i five = _mm512_set1_epi8(0x10);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const uint8_t* q = w[i].scales;
    int sc[8], m[8];
    for (int j = 0; j < 4; ++j) {  // as hearth::k_scale_min
      sc[j] = q[j] & 63;
      m[j] = q[j + 4] & 63;
    }
    for (int j = 4; j < 8; ++j) {
      sc[j] = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
      m[j] = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
    const __m256i hb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[i].qh));
    __m512i acc = _mm512_setzero_si512();
    for (int c = 0; c < 4; ++c) {
      const __m256i qs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[i].qs + 32 * c));
      __m512i v = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_and_si256(qs, low4)),
                                     _mm256_and_si256(_mm256_srli_epi16(qs, 4), low4), 1);
      const uint64_t lo =
          _mm256_test_epi8_mask(hb, _mm256_set1_epi8(static_cast<char>(1 << (2 * c))));
      const uint64_t hi =
          _mm256_test_epi8_mask(hb, _mm256_set1_epi8(static_cast<char>(1 << (2 * c + 1))));
      v = _mm512_or_si512(v, _mm512_maskz_mov_epi8(lo | (hi << 32), five));
      const __m512i s =
          _mm512_dpbusd_epi32(_mm512_setzero_si512(), v,
                              _mm512_loadu_si512(reinterpret_cast<const void*>(x[i].qs + 64 * c)));
      const __m512i scale =
          _mm512_inserti64x4(_mm512_set1_epi32(sc[2 * c]), _mm256_set1_epi32(sc[2 * c + 1]), 1);
      acc = _mm512_add_epi32(acc, _mm512_mullo_epi32(s, scale));
    }
    int summ = 0;
    for (int j = 0; j < 8; ++j) summ += m[j] * (x[i].bsums[2 * j] + x[i].bsums[2 * j + 1]);
    sum += _cvtsh_ss(w[i].d) * x[i].d * static_cast<float>(_mm512_reduce_add_epi32(acc)) -
           _cvtsh_ss(w[i].dmin) * x[i].d * static_cast<float>(summ);
  }
  return sum;
}

}  // namespace hearth::kernels::avx512

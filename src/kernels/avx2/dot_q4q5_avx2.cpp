// AVX2 dot products of Q4_1, Q5_0, Q5_1 (with Q8_1 / Q8_0 activations) and Q5_K (with Q8_K)
// weight rows, the decode path of those types on the AVX2, AVX-VNNI and AVX-512 tables.
//
// Q4_1 / Q5_0 / Q5_1: per block, the integer sum q . x is exact in int32 lanes (vpmaddubsw pair
// sums are bounded by 2 * 31 * 128 < 32767), scaled by d_w * d_x and summed in float lanes
// (llama.cpp's order, not the scalar one: the tests allow the float rounding); the min term of
// Q4_1 / Q5_1, m * s_x (s_x = d_x * sum(x), carried by the Q8_1 activations), is summed aside.
// Q5_K: the super-block's integers are built exactly as in dot_q4_k (dot_kquant_avx2.cpp) with
// the fifth bit added, and scaled with the scalar kernel's float steps: bit-identical to it.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "hearth/quant.hpp"
#include "kernels/avx2/avx2_kernels.hpp"
#include "kernels/avx2/simd_avx2.hpp"

namespace hearth::kernels::avx2 {
namespace {

// The 32 nibbles of a 32-element block in element order: low nibbles of qs[0..15] are elements
// 0..15, high nibbles elements 16..31.
__m256i nibbles(const uint8_t* qs) {
  const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), _mm256_set1_epi8(0x0F));
}

// Byte j = 0x10 where bit j of the block's qh is set (element j's fifth bit), else 0.
__m256i fifth_bits(const uint8_t* qh) {
  uint32_t bits;
  std::memcpy(&bits, qh, 4);
  // Byte j of the vector takes byte j / 8 of bits, then tests its bit j % 8.
  const __m256i spread =
      _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)),
                          _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2,
                                           2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
  const __m256i select = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ULL));
  const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(spread, select), select);
  return _mm256_and_si256(set, _mm256_set1_epi8(0x10));
}

// Exact int32 lanes of sum(q * x) over groups of four, q unsigned (<= 31), x signed.
__m256i dot_u8_lanes(__m256i q, __m256i x) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(q, x), _mm256_set1_epi16(1));
}

int hsum_i32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(s);
}

// Q4_1 (kFive false) or Q5_1 with Q8_1 activations: sum over blocks of (d_w * d_x) * (q . x) +
// m_w * s_x.
template <bool kFive, typename Block>
float dot_min_blocks(const Block* w, const BlockQ8_1* x, int64_t nb) {
  __m256 acc = _mm256_setzero_ps();
  float mins = 0;
  for (int64_t i = 0; i < nb; ++i) {
    __m256i q = nibbles(w[i].qs);
    if constexpr (kFive) q = _mm256_or_si256(q, fifth_bits(w[i].qh));
    const __m256i s = dot_u8_lanes(q, load32(x[i].qs));
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s),
                          _mm256_set1_ps(_cvtsh_ss(w[i].d) * _cvtsh_ss(x[i].d)), acc);
    mins += _cvtsh_ss(w[i].m) * _cvtsh_ss(x[i].s);
  }
  return hsum(acc) + mins;
}

// The 6-bit scales and mins of a K-quant block's 8 sub-blocks (hearth::k_scale_min's unpacking,
// repeated so that no inline function is compiled with the AVX2 flags).
void unpack_scales(const uint8_t* q, int* sc, int* m) {
  for (int j = 0; j < 4; ++j) {
    sc[j] = q[j] & 63;
    m[j] = q[j + 4] & 63;
  }
  for (int j = 4; j < 8; ++j) {
    sc[j] = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    m[j] = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

}  // namespace

float dot_q4_1(const void* w, const void* x, int64_t n) {
  return dot_min_blocks<false>(static_cast<const BlockQ4_1*>(w), static_cast<const BlockQ8_1*>(x),
                               n / kQK);
}

float dot_q5_1(const void* w, const void* x, int64_t n) {
  return dot_min_blocks<true>(static_cast<const BlockQ5_1*>(w), static_cast<const BlockQ8_1*>(x),
                              n / kQK);
}

// Q5_0: sum((q - 16) * x) = q . x - 16 * sum(x), both int16 pair sums exact.
float dot_q5_0(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const BlockQ5_0*>(wv);
  const auto* x = static_cast<const BlockQ8_0*>(xv);
  const __m256i sixteen = _mm256_set1_epi8(16), ones = _mm256_set1_epi16(1);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK; ++i) {
    const __m256i q = _mm256_or_si256(nibbles(w[i].qs), fifth_bits(w[i].qh));
    const __m256i xq = load32(x[i].qs);
    const __m256i p =
        _mm256_sub_epi16(_mm256_maddubs_epi16(q, xq), _mm256_maddubs_epi16(sixteen, xq));
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_madd_epi16(p, ones)),
                          _mm256_set1_ps(_cvtsh_ss(w[i].d) * _cvtsh_ss(x[i].d)), acc);
  }
  return hsum(acc);
}

// Q5_K: chunk c of 64 elements holds sub-blocks 2c (low nibbles of qs[32c..32c+31], fifth bit
// 2c of qh[l]) and 2c+1 (high nibbles, bit 2c+1).
float dot_q5_k(const void* wv, const void* xv, int64_t n) {
  const auto* w = static_cast<const BlockQ5_K*>(wv);
  const auto* x = static_cast<const BlockQ8_K*>(xv);
  const __m256i low4 = _mm256_set1_epi8(0x0F), bit = _mm256_set1_epi8(0x01);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int sc[8], m[8];
    unpack_scales(w[i].scales, sc, m);
    const __m256i hb = load32(w[i].qh);
    __m256i acc = _mm256_setzero_si256();
    for (int c = 0; c < 4; ++c) {
      const __m256i q = load32(w[i].qs + 32 * c);
      const __m256i h0 = _mm256_and_si256(_mm256_srli_epi16(hb, 2 * c), bit);
      const __m256i h1 = _mm256_and_si256(_mm256_srli_epi16(hb, 2 * c + 1), bit);
      const __m256i lo = _mm256_or_si256(_mm256_and_si256(q, low4), _mm256_slli_epi16(h0, 4));
      const __m256i hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 4), low4),
                                         _mm256_slli_epi16(h1, 4));
      // Values <= 31 times |x| <= 128: int16 pair sums (<= 7936) and scaled int32 sums exact.
      const __m256i p0 = _mm256_maddubs_epi16(lo, load32(x[i].qs + 64 * c));
      const __m256i p1 = _mm256_maddubs_epi16(hi, load32(x[i].qs + 64 * c + 32));
      acc = _mm256_add_epi32(
          acc, _mm256_madd_epi16(p0, _mm256_set1_epi16(static_cast<short>(sc[2 * c]))));
      acc = _mm256_add_epi32(
          acc, _mm256_madd_epi16(p1, _mm256_set1_epi16(static_cast<short>(sc[2 * c + 1]))));
    }
    int summ = 0;
    for (int j = 0; j < 8; ++j) summ += m[j] * (x[i].bsums[2 * j] + x[i].bsums[2 * j + 1]);
    sum += _cvtsh_ss(w[i].d) * x[i].d * static_cast<float>(hsum_i32(acc)) -
           _cvtsh_ss(w[i].dmin) * x[i].d * static_cast<float>(summ);
  }
  return sum;
}

}  // namespace hearth::kernels::avx2

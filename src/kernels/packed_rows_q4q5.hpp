// The R16 layout (kernels/packed_rows.hpp) of the Q4_1, Q5_0 and Q5_1 weight types, so that
// their decode reads every weight once with full-width plain loads (no per-row dot products, no
// gathers) and AVX2 decode runs ~8 rows per instruction instead of one.
//
// Groups of 16 rows as for Q8_0 / Q4_0 (group g at byte 16 * g * row_bytes, exactly the size of
// the row layout), but block-major within the group: block b's 16 rows take 16 file blocks'
// bytes (Q4_1 320, Q5_0 352, Q5_1 384) at b * 16 * block_bytes, so one group is one sequential
// stream (one prefetch stream per group in the decode kernels). Within a block:
//   qs  [4][16 lanes][4]  uint8, lane i of vector j = bytes 4j..4j+3 of row i's qs: low
//                         nibbles elements 4j..4j+3, high nibbles 16+4j..16+4j+3 (as Q4_0)
//   qh  [16 lanes]        uint32, Q5_0 / Q5_1 only: row i's fifth bits rearranged so that byte
//                         k, bit j is element 4j+k's and bit 4+j is element 16+4j+k's; then
//                         the fifth bits of vector j are one shift and one mask away (byte k
//                         bit 4: (qh << (4 - j)) for the low nibbles, (qh >> j) for the high)
//   d   [16 lanes]        fp16 scales
//   m   [16 lanes]        fp16 mins, Q4_1 / Q5_1 only
// A 256-bit kernel reads rows 0-7 from the low 32 bytes of each 64-byte vector, rows 8-15 from
// the high 32 bytes (and the low / high 16 bytes of d and m).
#pragma once

#include <cstddef>
#include <cstdint>

#include "hearth/dtype.hpp"

namespace hearth::kernels {

// Q4_1, Q5_0 or Q5_1.
bool is_q4q5_r16(DType type);

// The bytes of one block of a group's 16 rows (16 file blocks) and the offsets inside it.
struct Q4Q5R16Block {
  size_t bytes;  // 16 * file block bytes
  size_t qh;     // Q5_*: the 16 rearranged qh words (else unused)
  size_t d;      // the 16 fp16 scales
  size_t m;      // Q4_1 / Q5_1: the 16 fp16 mins (else unused)
};
Q4Q5R16Block q4q5_r16_block(DType type);

// qh of a Q5 block in the file (bit e = element e's fifth bit) <-> the R16 arrangement.
uint32_t q5_qh_to_r16(uint32_t qh);
uint32_t q5_qh_from_r16(uint32_t r16);

// packed_rows.hpp's pack_rows16 / unpack_row16 for these types.
void pack_rows16_q4q5(DType type, const uint8_t* rows, size_t row_bytes, int64_t n_in, int64_t g0,
                      int64_t g1, uint8_t* packed);
void unpack_row16_q4q5(DType type, const uint8_t* packed, size_t row_bytes, int64_t n_in, int64_t r,
                       uint8_t* row);

}  // namespace hearth::kernels

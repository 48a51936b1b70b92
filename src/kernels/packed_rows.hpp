// The "16 rows interleaved" weight layout (R16) that the model loader writes once at load for the
// weight types whose matmul kernels read it (GemmKernel::run_packed), so that no kernel gathers
// rows at run time: AMD's Zen 4/5 gather unit made the gathering decode 8x slower than plain loads
// there (issue: speed on every x86 CPU). Portable code: the layout is the same for every ISA, so
// a 256-bit kernel reads the low or high 32 bytes of each 64-byte vector (rows 0-7 / 8-15).
//
// A weight of n_out rows (n_out a multiple of 16) and n_in elements (nb = n_in / 32 blocks) is
// stored as n_out / 16 groups of 16 rows, group g at byte 16 * g * row_bytes (the layout has
// exactly the size of the row layout: 16 rows of row_bytes per group). Within a group:
//   Q8_0:  qs    [nb][8][16 lanes][4]  int8, lane i of vector j = bytes 4j..4j+3 of row i's
//                                      block (elements 4j..4j+3), exactly as in the file (signed)
//          d     [nb][16 lanes]        fp16 block scales, lane i = row i's d
//   Q4_0:  qs    [nb][4][16 lanes][4]  uint8, lane i of vector j = bytes 4j..4j+3 of row i's
//                                      qs: low nibbles are elements 4j..4j+3, high nibbles
//                                      16+4j..16+4j+3, exactly as in the file (q = w + 8)
//          d     [nb][16 lanes]        fp16 block scales
//   Q4_1, Q5_0, Q5_1: block-major, see kernels/packed_rows_q4q5.hpp
//   Q4_K, Q5_K, Q6_K: super-block-major 4-byte words, see kernels/packed_rows_kquant.hpp
// (Q8_0 / Q4_0: all qs of the group first, then all scales: every weight vector is 64-byte
// aligned when the group is). Groups are independent, so any range of groups can be packed by
// any thread.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hearth/dtype.hpp"

namespace hearth::kernels {

constexpr int kPackedRows = 16;

// Whether `type` has an R16 layout and a weight of n_in x n_out can use it.
bool packable_rows16(DType type, int64_t n_in, int64_t n_out);

// Packs groups [g0, g1) of a row-layout weight (rows row_bytes apart from `rows`) into `packed`
// (the whole weight's R16 buffer, row_bytes * n_out bytes).
void pack_rows16(DType type, const uint8_t* rows, size_t row_bytes, int64_t n_in, int64_t g0,
                 int64_t g1, uint8_t* packed);

// Writes row r of an R16 weight back in the file's row layout (row_bytes bytes): the inverse of
// pack_rows16, for tests and for code that needs a plain row.
void unpack_row16(DType type, const uint8_t* packed, size_t row_bytes, int64_t n_in, int64_t r,
                  uint8_t* row);

}  // namespace hearth::kernels

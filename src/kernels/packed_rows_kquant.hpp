// The R16 layout (kernels/packed_rows.hpp) of the K-quant weight types Q4_K, Q5_K and Q6_K, so that
// their decode reads each 16-row group as one sequential stream of full-width plain loads (no
// per-row dot products, no gathers), like Q8_0 / Q4_0.
//
// Groups of 16 rows as for the other types (group g at byte 16 * g * row_bytes, exactly the size
// of the row layout), super-block-major within the group. A super-block's file block (Q4_K 144
// bytes, Q5_K 176, Q6_K 210) is read as 4-byte words w = 0 .. W-1 in file order, W = block bytes
// / 4 (Q4_K 36, Q5_K 44, Q6_K 52); super-block s of the group is W vectors of 64 bytes, vector w
// lane i = word w of row i's block s:
//   Q4_K: w 0     d | dmin (fp16 each, d in the low half)
//         w 1-3   the 12 packed 6-bit scale / min bytes (bytes 4w-4 .. 4w-1)
//         w 4-35  qs: bytes 4(w-4) .. +3, i.e. for c = (w-4) / 8, k = (w-4) % 8 the low nibbles
//                 are elements 4k..4k+3 of sub-block 2c, the high nibbles the same of 2c+1
//   Q5_K: w 0-3 as Q4_K, w 4-11 qh (bytes 4(w-4) .. +3), w 12-43 qs as Q4_K's w 4-35
//   Q6_K: w 0-31 ql, w 32-47 qh, w 48-51 the 16 int8 scales (bytes 4(w-48) .. +3)
// Q6_K's block leaves 2 bytes (d) past its last word: the group ends with d [nsb][16 lanes] fp16
// after all super-blocks' vectors, so that every vector stays 64-byte aligned.
// A 256-bit kernel reads rows 0-7 from the low 32 bytes of each 64-byte vector, rows 8-15 from the
// high 32 bytes (and the low / high 16 bytes of Q6_K's d).
#pragma once

#include <cstddef>
#include <cstdint>

#include "hearth/dtype.hpp"

namespace hearth::kernels {

// Q4_K, Q5_K or Q6_K.
bool is_kquant_r16(DType type);

// Byte offsets inside one group of an R16 K-quant weight of nsb super-blocks per row.
struct KQuantR16Layout {
  size_t words;       // 4-byte words of a file block (vectors per super-block)
  size_t sb_bytes;    // 64 * words: super-block s starts at s * sb_bytes
  size_t tail_at;     // Q6_K: d [nsb][16] fp16 starts here (nsb * sb_bytes); else unused
  size_t tail_bytes;  // bytes of the block past its last word (Q6_K 2, else 0)
};
KQuantR16Layout kquant_r16_layout(DType type, int64_t nsb);

// packed_rows.hpp's pack_rows16 / unpack_row16 for these types.
void pack_rows16_kquant(DType type, const uint8_t* rows, size_t row_bytes, int64_t n_in, int64_t g0,
                        int64_t g1, uint8_t* packed);
void unpack_row16_kquant(DType type, const uint8_t* packed, size_t row_bytes, int64_t n_in,
                         int64_t r, uint8_t* row);

}  // namespace hearth::kernels

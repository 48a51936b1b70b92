#include "kernels/packed_rows.hpp"

#include <cstring>

#include "hearth/quant.hpp"
#include "kernels/packed_rows_kquant.hpp"
#include "kernels/packed_rows_q4q5.hpp"

namespace hearth::kernels {
namespace {

// Bytes of qs per block and row in the file (32 for Q8_0, 16 for Q4_0): also the number of
// 4-byte vectors per block times 4.
size_t block_qs_bytes(DType type) {
  return type == DType::Q8_0 ? sizeof(BlockQ8_0::qs) : sizeof(BlockQ4_0::qs);
}

size_t block_bytes(DType type) {
  return type == DType::Q8_0 ? sizeof(BlockQ8_0) : sizeof(BlockQ4_0);
}

// The offsets of block b's qs vectors and scales inside a group of nb blocks.
struct GroupLayout {
  size_t qs_per_block;  // 16 * block_qs_bytes
  size_t scales_at;     // nb * qs_per_block

  GroupLayout(DType type, int64_t nb)
      : qs_per_block(kPackedRows * block_qs_bytes(type)),
        scales_at(static_cast<size_t>(nb) * qs_per_block) {}
  size_t qs(int64_t b, int j, int lane) const {
    return static_cast<size_t>(b) * qs_per_block +
           (static_cast<size_t>(j) * kPackedRows + lane) * 4;
  }
  size_t scale(int64_t b, int lane) const {
    return scales_at + (static_cast<size_t>(b) * kPackedRows + lane) * sizeof(fp16_t);
  }
};

}  // namespace

bool packable_rows16(DType type, int64_t n_in, int64_t n_out) {
  if (is_kquant_r16(type))
    return n_in > 0 && n_in % kQK_K == 0 && n_out > 0 && n_out % kPackedRows == 0;
  return (type == DType::Q8_0 || type == DType::Q4_0 || is_q4q5_r16(type)) && n_in > 0 &&
         n_in % kQK == 0 && n_out > 0 && n_out % kPackedRows == 0;
}

void pack_rows16(DType type, const uint8_t* rows, size_t row_bytes, int64_t n_in, int64_t g0,
                 int64_t g1, uint8_t* packed) {
  if (is_q4q5_r16(type)) return pack_rows16_q4q5(type, rows, row_bytes, n_in, g0, g1, packed);
  if (is_kquant_r16(type)) return pack_rows16_kquant(type, rows, row_bytes, n_in, g0, g1, packed);
  const int64_t nb = n_in / kQK;
  const GroupLayout layout(type, nb);
  const int vectors = static_cast<int>(block_qs_bytes(type) / 4);
  const size_t bb = block_bytes(type);
  for (int64_t g = g0; g < g1; ++g) {
    uint8_t* group = packed + static_cast<size_t>(g) * kPackedRows * row_bytes;
    const uint8_t* rows0 = rows + static_cast<size_t>(g) * kPackedRows * row_bytes;
    // Block-major, so the group is written in order (one pass over 16 row streams).
    uint8_t* qs = group;
    uint8_t* scales = group + layout.scales_at;
    for (int64_t b = 0; b < nb; ++b) {
      const uint8_t* blk = rows0 + static_cast<size_t>(b) * bb;  // fp16 d, then qs
      for (int j = 0; j < vectors; ++j)
        for (int lane = 0; lane < kPackedRows; ++lane, qs += 4)
          std::memcpy(qs, blk + lane * row_bytes + sizeof(fp16_t) + 4 * j, 4);
      for (int lane = 0; lane < kPackedRows; ++lane, scales += sizeof(fp16_t))
        std::memcpy(scales, blk + lane * row_bytes, sizeof(fp16_t));
    }
  }
}

void unpack_row16(DType type, const uint8_t* packed, size_t row_bytes, int64_t n_in, int64_t r,
                  uint8_t* row) {
  if (is_q4q5_r16(type)) return unpack_row16_q4q5(type, packed, row_bytes, n_in, r, row);
  if (is_kquant_r16(type)) return unpack_row16_kquant(type, packed, row_bytes, n_in, r, row);
  const int64_t nb = n_in / kQK;
  const GroupLayout layout(type, nb);
  const int vectors = static_cast<int>(block_qs_bytes(type) / 4);
  const size_t bb = block_bytes(type);
  const uint8_t* group = packed + static_cast<size_t>(r / kPackedRows) * kPackedRows * row_bytes;
  const int lane = static_cast<int>(r % kPackedRows);
  for (int64_t b = 0; b < nb; ++b) {
    uint8_t* blk = row + static_cast<size_t>(b) * bb;
    std::memcpy(blk, group + layout.scale(b, lane), sizeof(fp16_t));
    for (int j = 0; j < vectors; ++j)
      std::memcpy(blk + sizeof(fp16_t) + 4 * j, group + layout.qs(b, j, lane), 4);
  }
}

}  // namespace hearth::kernels

#include "kernels/packed_rows_kquant.hpp"

#include <cstring>

#include "hearth/quant.hpp"
#include "kernels/packed_rows.hpp"

namespace hearth::kernels {

bool is_kquant_r16(DType type) {
  return type == DType::Q4_K || type == DType::Q5_K || type == DType::Q6_K;
}

KQuantR16Layout kquant_r16_layout(DType type, int64_t nsb) {
  const size_t bytes = dtype_traits(type).block_bytes;
  KQuantR16Layout l;
  l.words = bytes / 4;
  l.sb_bytes = 64 * l.words;
  l.tail_at = static_cast<size_t>(nsb) * l.sb_bytes;
  l.tail_bytes = bytes % 4;
  return l;
}

void pack_rows16_kquant(DType type, const uint8_t* rows, size_t row_bytes, int64_t n_in, int64_t g0,
                        int64_t g1, uint8_t* packed) {
  const int64_t nsb = n_in / kQK_K;
  const size_t bb = dtype_traits(type).block_bytes;
  const KQuantR16Layout l = kquant_r16_layout(type, nsb);
  for (int64_t g = g0; g < g1; ++g) {
    const size_t group_at = static_cast<size_t>(g) * kPackedRows * row_bytes;
    const uint8_t* rows0 = rows + group_at;
    uint8_t* group = packed + group_at;
    // Super-block-major, so the group is written in order (one pass over 16 row streams).
    for (int64_t s = 0; s < nsb; ++s) {
      uint8_t* out = group + static_cast<size_t>(s) * l.sb_bytes;
      for (size_t w = 0; w < l.words; ++w)
        for (int lane = 0; lane < kPackedRows; ++lane, out += 4)
          std::memcpy(out, rows0 + lane * row_bytes + static_cast<size_t>(s) * bb + 4 * w, 4);
      for (int lane = 0; lane < kPackedRows && l.tail_bytes; ++lane)
        std::memcpy(
            group + l.tail_at + (static_cast<size_t>(s) * kPackedRows + lane) * l.tail_bytes,
            rows0 + lane * row_bytes + static_cast<size_t>(s) * bb + 4 * l.words, l.tail_bytes);
    }
  }
}

void unpack_row16_kquant(DType type, const uint8_t* packed, size_t row_bytes, int64_t n_in,
                         int64_t r, uint8_t* row) {
  const int64_t nsb = n_in / kQK_K;
  const size_t bb = dtype_traits(type).block_bytes;
  const KQuantR16Layout l = kquant_r16_layout(type, nsb);
  const uint8_t* group = packed + static_cast<size_t>(r / kPackedRows) * kPackedRows * row_bytes;
  const int lane = static_cast<int>(r % kPackedRows);
  for (int64_t s = 0; s < nsb; ++s) {
    uint8_t* blk = row + static_cast<size_t>(s) * bb;
    const uint8_t* in = group + static_cast<size_t>(s) * l.sb_bytes;
    for (size_t w = 0; w < l.words; ++w) std::memcpy(blk + 4 * w, in + 64 * w + 4 * lane, 4);
    if (l.tail_bytes)
      std::memcpy(blk + 4 * l.words,
                  group + l.tail_at + (static_cast<size_t>(s) * kPackedRows + lane) * l.tail_bytes,
                  l.tail_bytes);
  }
}

}  // namespace hearth::kernels

#include "kernels/packed_rows_q4q5.hpp"

#include <array>
#include <cstddef>
#include <cstring>

#include "hearth/quant.hpp"
#include "kernels/packed_rows.hpp"

namespace hearth::kernels {
namespace {

// Where a file block keeps its fields.
struct FileBlock {
  size_t bytes, qs, qh;  // qh: 0 when the type has none
  bool min;              // m right after d
};

FileBlock file_block(DType type) {
  switch (type) {
    case DType::Q4_1:
      return {sizeof(BlockQ4_1), offsetof(BlockQ4_1, qs), 0, true};
    case DType::Q5_0:
      return {sizeof(BlockQ5_0), offsetof(BlockQ5_0, qs), offsetof(BlockQ5_0, qh), false};
    default:
      return {sizeof(BlockQ5_1), offsetof(BlockQ5_1, qs), offsetof(BlockQ5_1, qh), true};
  }
}

// Element e = 8 B + i of the block (byte B, bit i of the file's qh) goes to bit 8 k + 4 hi + j
// (k = e % 4, j = e / 4 % 4, hi = e / 16) = 8 (i % 4) + i / 4 + shift(B), shift(B) = 4 (B / 2) +
// 2 (B % 2): one table of the bits of a byte, shifted per byte (4 look-ups per row and block at
// load instead of 32 bit moves).
constexpr std::array<uint32_t, 256> spread_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t v = 0; v < 256; ++v)
    for (uint32_t i = 0; i < 8; ++i)
      if (v >> i & 1) t[v] |= uint32_t{1} << (8 * (i % 4) + i / 4);
  return t;
}
constexpr std::array<uint32_t, 256> kSpread = spread_table();

constexpr uint32_t r16_bit(uint32_t e) {
  return 8 * (e % 4) + 4 * (e / 16) + e / 4 % 4;
}

}  // namespace

bool is_q4q5_r16(DType type) {
  return type == DType::Q4_1 || type == DType::Q5_0 || type == DType::Q5_1;
}

Q4Q5R16Block q4q5_r16_block(DType type) {
  const FileBlock f = file_block(type);
  constexpr size_t kQs = kPackedRows * kQK / 2;  // 4 vectors of 16 lanes x 4 bytes
  Q4Q5R16Block b{};
  b.bytes = kPackedRows * f.bytes;
  b.qh = kQs;
  b.d = f.qh ? kQs + kPackedRows * 4 : kQs;
  b.m = b.d + kPackedRows * sizeof(fp16_t);
  return b;
}

uint32_t q5_qh_to_r16(uint32_t qh) {
  return kSpread[qh & 0xFF] | kSpread[qh >> 8 & 0xFF] << 2 | kSpread[qh >> 16 & 0xFF] << 4 |
         kSpread[qh >> 24] << 6;
}

uint32_t q5_qh_from_r16(uint32_t r16) {
  uint32_t qh = 0;
  for (uint32_t e = 0; e < 32; ++e) qh |= (r16 >> r16_bit(e) & 1) << e;
  return qh;
}

void pack_rows16_q4q5(DType type, const uint8_t* rows, size_t row_bytes, int64_t n_in, int64_t g0,
                      int64_t g1, uint8_t* packed) {
  const int64_t nb = n_in / kQK;
  const FileBlock f = file_block(type);
  const Q4Q5R16Block p = q4q5_r16_block(type);
  for (int64_t g = g0; g < g1; ++g) {
    const size_t group_at = static_cast<size_t>(g) * kPackedRows * row_bytes;
    const uint8_t* rows0 = rows + group_at;
    uint8_t* out = packed + group_at;
    for (int64_t b = 0; b < nb; ++b, out += p.bytes) {
      for (int lane = 0; lane < kPackedRows; ++lane) {
        const uint8_t* blk = rows0 + lane * row_bytes + static_cast<size_t>(b) * f.bytes;
        for (int j = 0; j < 4; ++j) std::memcpy(out + 64 * j + 4 * lane, blk + f.qs + 4 * j, 4);
        if (f.qh) {
          uint32_t qh;
          std::memcpy(&qh, blk + f.qh, 4);
          qh = q5_qh_to_r16(qh);
          std::memcpy(out + p.qh + 4 * lane, &qh, 4);
        }
        std::memcpy(out + p.d + 2 * lane, blk, 2);
        if (f.min) std::memcpy(out + p.m + 2 * lane, blk + 2, 2);
      }
    }
  }
}

void unpack_row16_q4q5(DType type, const uint8_t* packed, size_t row_bytes, int64_t n_in, int64_t r,
                       uint8_t* row) {
  const int64_t nb = n_in / kQK;
  const FileBlock f = file_block(type);
  const Q4Q5R16Block p = q4q5_r16_block(type);
  const uint8_t* in = packed + static_cast<size_t>(r / kPackedRows) * kPackedRows * row_bytes;
  const int lane = static_cast<int>(r % kPackedRows);
  for (int64_t b = 0; b < nb; ++b, in += p.bytes) {
    uint8_t* blk = row + static_cast<size_t>(b) * f.bytes;
    for (int j = 0; j < 4; ++j) std::memcpy(blk + f.qs + 4 * j, in + 64 * j + 4 * lane, 4);
    if (f.qh) {
      uint32_t qh;
      std::memcpy(&qh, in + p.qh + 4 * lane, 4);
      qh = q5_qh_from_r16(qh);
      std::memcpy(blk + f.qh, &qh, 4);
    }
    std::memcpy(blk, in + p.d + 2 * lane, 2);
    if (f.min) std::memcpy(blk + 2, in + p.m + 2 * lane, 2);
  }
}

}  // namespace hearth::kernels

// hearth's reference (de)quantizers against llama.cpp's own: tests/data/ggml_quant_vectors.bin
// holds what ggml (the build llama.cpp's quantizer uses) produced for 16 rows of 256 chosen
// inputs (quantize) and for random blocks of every type (dequantize); see make_quant_vectors.cpp.
// Both must match bit for bit.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "hearth/quant.hpp"

using namespace hearth;

namespace {

struct Record {
  uint32_t kind, type, n;
  std::vector<uint8_t> bytes;
};

std::vector<Record> load_vectors() {
  const auto path =
      std::filesystem::path(__FILE__).parent_path() / "data" / "ggml_quant_vectors.bin";
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing " << path;
  const std::vector<uint8_t> b(std::istreambuf_iterator<char>(in), {});
  std::vector<Record> out;
  if (b.size() < 8 || std::memcmp(b.data(), "HQV1", 4) != 0) return out;
  uint32_t count;
  std::memcpy(&count, b.data() + 4, 4);
  size_t off = 8;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t head[4];
    if (off + 16 > b.size()) break;
    std::memcpy(head, b.data() + off, 16);
    off += 16;
    if (off + head[3] > b.size()) break;
    out.push_back({head[0], head[1], head[2], {b.begin() + off, b.begin() + off + head[3]}});
    off += head[3];
  }
  EXPECT_EQ(out.size(), count) << "truncated vector file";
  return out;
}

TEST(QuantVectors, QuantizersMatchLlamaCppByteForByte) {
  const auto records = load_vectors();
  std::vector<float> input;
  std::set<uint32_t> covered;
  for (const auto& r : records) {
    if (r.kind == 0) {
      input.resize(r.n);
      std::memcpy(input.data(), r.bytes.data(), 4 * input.size());
      continue;
    }
    if (r.kind != 1) continue;
    const DType type = static_cast<DType>(r.type);
    ASSERT_EQ(input.size(), r.n);
    const size_t row = *row_bytes(type, 256);
    ASSERT_EQ(r.bytes.size(), row * 16);
    std::vector<uint8_t> mine(row);
    for (size_t i = 0; i < 16; ++i) {  // row by row so that a failure names the input kind
      quantize_row(type, input.data() + 256 * i, mine.data(), 256);
      EXPECT_EQ(std::memcmp(mine.data(), r.bytes.data() + row * i, row), 0)
          << dtype_name(type) << " differs on input row " << i;
    }
    covered.insert(r.type);
  }
  for (DType t :
       {DType::Q8_0, DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q2_K, DType::Q3_K,
        DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::Q8_K, DType::F16, DType::BF16})
    EXPECT_TRUE(covered.count(static_cast<uint32_t>(t))) << dtype_name(t) << " not covered";
}

TEST(QuantVectors, DequantizersMatchLlamaCppBitForBit) {
  std::set<uint32_t> covered;
  for (const auto& r : load_vectors()) {
    if (r.kind != 2) continue;
    const DType type = static_cast<DType>(r.type);
    const size_t nbytes = *row_bytes(type, r.n);
    ASSERT_EQ(r.bytes.size(), nbytes + 4 * r.n);
    std::vector<float> mine(r.n);
    dequantize_row(type, r.bytes.data(), mine.data(), r.n);
    EXPECT_EQ(std::memcmp(mine.data(), r.bytes.data() + nbytes, 4 * r.n), 0) << dtype_name(type);
    covered.insert(r.type);
  }
  for (DType t : {DType::F16, DType::BF16, DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1,
                  DType::Q8_0, DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K})
    EXPECT_TRUE(covered.count(static_cast<uint32_t>(t))) << dtype_name(t) << " not covered";
}

}  // namespace

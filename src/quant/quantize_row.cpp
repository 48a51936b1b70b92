// quantize_row(): float row -> any type hearth can write.
#include <string>

#include "hearth/error.hpp"
#include "hearth/quant.hpp"

namespace hearth {
namespace {

void store_u16(void* dst, size_t i, uint16_t v) {
  std::memcpy(static_cast<uint8_t*>(dst) + 2 * i, &v, 2);
}

}  // namespace

void quantize_row(DType type, const float* src, void* dst, size_t n) {
  const DTypeTraits& t = dtype_traits(type);
  if (n % t.block_elems != 0)
    fail(Status::kInvalidArgument, "quantize_row: " + std::to_string(n) +
                                       " elements is not a multiple of the " + std::string(t.name) +
                                       " block size");
  switch (type) {
    case DType::F32:
      std::memcpy(dst, src, n * sizeof(float));
      return;
    case DType::F16:
      for (size_t i = 0; i < n; ++i) store_u16(dst, i, fp32_to_fp16(src[i]));
      return;
    case DType::BF16:
      for (size_t i = 0; i < n; ++i) store_u16(dst, i, fp32_to_bf16(src[i]));
      return;
    case DType::Q8_0:
      return quantize_row_q8_0(src, static_cast<BlockQ8_0*>(dst), n);
    case DType::Q4_0:
      return quantize_row_q4_0(src, static_cast<BlockQ4_0*>(dst), n);
    case DType::Q4_1:
      return quantize_row_q4_1(src, static_cast<BlockQ4_1*>(dst), n);
    case DType::Q5_0:
      return quantize_row_q5_0(src, static_cast<BlockQ5_0*>(dst), n);
    case DType::Q5_1:
      return quantize_row_q5_1(src, static_cast<BlockQ5_1*>(dst), n);
    case DType::Q2_K:
      return quantize_row_q2_k(src, static_cast<BlockQ2_K*>(dst), n);
    case DType::Q3_K:
      return quantize_row_q3_k(src, static_cast<BlockQ3_K*>(dst), n);
    case DType::Q4_K:
      return quantize_row_q4_k(src, static_cast<BlockQ4_K*>(dst), n);
    case DType::Q5_K:
      return quantize_row_q5_k(src, static_cast<BlockQ5_K*>(dst), n);
    case DType::Q6_K:
      return quantize_row_q6_k(src, static_cast<BlockQ6_K*>(dst), n);
    case DType::Q8_K:
      return quantize_row_q8_k(src, static_cast<BlockQ8_K*>(dst), n);
    default:
      break;
  }
  fail(Status::kUnsupported,
       "quantize_row: hearth has no quantizer for tensor type " + std::string(t.name));
}

}  // namespace hearth

// The activation type of each weight type, and the dispatch of conversions and dot products to
// the active kernel table (src/kernels/).
#include <fmt/format.h>

#include "hearth/error.hpp"
#include "kernels/kernel_table.hpp"
#include "model/matmul.hpp"

namespace hearth::model {

DType vec_dot_type(DType weight_type) {
  switch (weight_type) {
    case DType::F32:
      return DType::F32;
    case DType::F16:
      return DType::F16;
    case DType::BF16:
      return DType::BF16;
    case DType::Q4_0:
    case DType::Q5_0:
    case DType::Q8_0:
      return DType::Q8_0;
    case DType::Q4_1:
    case DType::Q5_1:
      return DType::Q8_1;
    case DType::Q2_K:
    case DType::Q3_K:
    case DType::Q4_K:
    case DType::Q5_K:
    case DType::Q6_K:
      return DType::Q8_K;
    default:
      fail(Status::kUnsupported,
           fmt::format("no matrix multiplication for weights of type {}", dtype_name(weight_type)));
  }
}

namespace {
int slot(DType t) {
  const auto v = static_cast<uint32_t>(t);
  return v < static_cast<uint32_t>(kernels::kTypeSlots) ? static_cast<int>(v) : -1;
}
}  // namespace

void convert_activations(DType act_type, const float* x, void* dst, int64_t n) {
  const int s = slot(act_type);
  const kernels::ConvertFn fn = s >= 0 ? kernels::active_kernels().convert[s] : nullptr;
  if (!fn) fail(Status::kInternal, "convert_activations: unexpected type");
  fn(x, dst, n);
}

float vec_dot(DType type, const void* w, const void* x, int64_t n) {
  const int s = slot(type);
  const kernels::VecDotFn fn = s >= 0 ? kernels::active_kernels().vec_dot[s] : nullptr;
  if (!fn) fail(Status::kInternal, "vec_dot: unexpected type");
  return fn(w, x, n);
}

}  // namespace hearth::model

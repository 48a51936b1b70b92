#include "model/tensor_lookup.hpp"

#include <fmt/format.h>

#include "hearth/error.hpp"

namespace hearth::model {
namespace {

[[noreturn]] void bad_model(const std::string& msg) {
  fail(Status::kInvalidModel, msg);
}

}  // namespace

int metadata_dim(const GgufFile& f, const std::string& key, std::optional<int64_t> fallback) {
  auto v = f.get_int(key);
  if (!v) v = fallback;
  if (!v) bad_model(fmt::format("the model lacks the metadata key '{}'", key));
  if (*v <= 0 || *v > (int64_t{1} << 30))
    bad_model(fmt::format("metadata '{}' = {} is out of range", key, *v));
  return static_cast<int>(*v);
}

TensorView weight_view(const GgufFile& f, const std::string& name, int64_t n_in, int64_t n_out,
                       bool required) {
  TensorView v;
  const GgufTensorInfo* t = f.find_tensor(name);
  if (!t) {
    if (required) bad_model(fmt::format("the model lacks the tensor '{}'", name));
    return v;
  }
  const bool shape_ok = n_out == 0 ? (t->dims.size() == 1 && t->dims[0] == uint64_t(n_in))
                                   : (t->dims.size() == 2 && t->dims[0] == uint64_t(n_in) &&
                                      t->dims[1] == uint64_t(n_out));
  if (!shape_ok) {
    std::string dims;
    for (auto d : t->dims) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
    bad_model(fmt::format("tensor '{}' has shape [{}], expected [{}{}]", name, dims, n_in,
                          n_out ? fmt::format(", {}", n_out) : ""));
  }
  switch (t->type) {
    case DType::F32:
    case DType::F16:
    case DType::BF16:
    case DType::Q8_0:
    case DType::Q4_0:
    case DType::Q4_1:
    case DType::Q5_0:
    case DType::Q5_1:
    case DType::Q2_K:
    case DType::Q3_K:
    case DType::Q4_K:
    case DType::Q5_K:
    case DType::Q6_K:
      break;
    default:
      fail(Status::kUnsupported, fmt::format("tensor '{}' has type {}, which hearth cannot "
                                             "compute with yet",
                                             name, dtype_name(t->type)));
  }
  v.info = t;
  v.type = t->type;
  v.n_in = n_in;
  v.n_out = n_out ? n_out : 1;
  auto rb = row_bytes(t->type, static_cast<uint64_t>(n_in));
  if (!rb)
    bad_model(fmt::format("tensor '{}': rows of {} elements do not fit type {}", name, n_in,
                          dtype_name(t->type)));
  v.row_bytes = *rb;
  v.data = t->data;
  return v;
}

TensorView f32_vector(const GgufFile& f, const std::string& name, int64_t n, bool required) {
  TensorView v = weight_view(f, name, n, 0, required);
  if (v && v.type != DType::F32)
    fail(Status::kUnsupported,
         fmt::format("tensor '{}' has type {}; hearth expects F32 norms and biases", name,
                     dtype_name(v.type)));
  return v;
}

}  // namespace hearth::model

// convert_model(): runs an importer, picks each tensor's output type, converts the tensors one
// at a time and writes the GGUF file atomically.
#include "hearth/convert.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "convert/importers.hpp"
#include "hearth/error.hpp"
#include "hearth/quant.hpp"
#include "hearth/quantize_model.hpp"

namespace hearth {

namespace {

using convert::ModelPlan;
using convert::PlannedTensor;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// GGUF dims are innermost first: the reverse of the PyTorch shape.
std::vector<uint64_t> gguf_dims(const std::vector<uint64_t>& shape) {
  return std::vector<uint64_t>(shape.rbegin(), shape.rend());
}

struct MixName {
  ConvertType convert;
  QuantizeType quantize;
};
// The convert types that are llama-quantize types (all but f32/f16/bf16/q8_0).
constexpr MixName kMixes[] = {
    {ConvertType::kQ4_0, QuantizeType::kQ4_0},     {ConvertType::kQ4_1, QuantizeType::kQ4_1},
    {ConvertType::kQ5_0, QuantizeType::kQ5_0},     {ConvertType::kQ5_1, QuantizeType::kQ5_1},
    {ConvertType::kQ2_K, QuantizeType::kQ2_K},     {ConvertType::kQ3_K_S, QuantizeType::kQ3_K_S},
    {ConvertType::kQ3_K_M, QuantizeType::kQ3_K_M}, {ConvertType::kQ3_K_L, QuantizeType::kQ3_K_L},
    {ConvertType::kQ4_K_S, QuantizeType::kQ4_K_S}, {ConvertType::kQ4_K_M, QuantizeType::kQ4_K_M},
    {ConvertType::kQ5_K_S, QuantizeType::kQ5_K_S}, {ConvertType::kQ5_K_M, QuantizeType::kQ5_K_M},
    {ConvertType::kQ6_K, QuantizeType::kQ6_K},
};

const MixName* mix_of(ConvertType t) {
  for (const auto& m : kMixes)
    if (m.convert == t) return &m;
  return nullptr;
}

// llama.cpp's converter keeps vectors (norms, biases) in F32 and falls back to F16 for
// matrices whose rows do not fill whole Q8_0 blocks. (Mixes: see tensor_types.)
DType tensor_type(ConvertType target, const PlannedTensor& t) {
  if (t.shape.size() <= 1 || ends_with(t.name, "_norm.weight")) return DType::F32;
  switch (target) {
    case ConvertType::kF32:
      return DType::F32;
    case ConvertType::kF16:
      return DType::F16;
    case ConvertType::kBF16:
      return DType::BF16;
    case ConvertType::kQ8_0:
      return t.shape.back() % kQK == 0 ? DType::Q8_0 : DType::F16;
    default:
      break;
  }
  fail(Status::kInternal, "tensor_type: quantization mixes are planned by tensor_types()");
}

// The facts llama-quantize's mixes depend on (layer count, GQA ratio), read back from the
// metadata the importer wrote.
QuantizeModelInfo model_info(const ModelPlan& plan) {
  const std::vector<uint8_t> header = plan.writer.to_bytes();  // no tensors added yet
  return quantize_model_info(*GgufFile::parse(header.data(), header.size()));
}

// Every tensor's output type. The mixes use llama-quantize's choices (e.g. Q4_K_M's Q4_K / Q6_K,
// fallbacks for rows that are not whole blocks), planned in its tensor order because the mix
// depends on each tensor's position among its kind; the weights are quantized straight from
// the checkpoint's values, without an F16 file in between.
std::vector<DType> tensor_types(ConvertType target, const ModelPlan& plan) {
  const std::vector<PlannedTensor>& tensors = plan.tensors;
  std::vector<DType> types(tensors.size());
  const MixName* mix = mix_of(target);
  if (!mix) {
    for (size_t i = 0; i < tensors.size(); ++i) types[i] = tensor_type(target, tensors[i]);
    return types;
  }
  std::vector<std::string> names;
  for (const auto& t : tensors) names.push_back(t.name);
  const std::vector<size_t> order = llama_tensor_order(names);
  std::vector<TensorDesc> descs;
  for (size_t i : order)
    descs.push_back({tensors[i].name, gguf_dims(tensors[i].shape), DType::F32});
  const std::vector<DType> planned = plan_tensor_types(mix->quantize, descs, model_info(plan));
  for (size_t k = 0; k < order.size(); ++k) types[order[k]] = planned[k];
  return types;
}

uint32_t file_type_id(ConvertType t) {  // llama.cpp's llama_ftype
  if (const MixName* mix = mix_of(t)) return quantize_file_type(mix->quantize);
  switch (t) {
    case ConvertType::kF16:
      return 1;
    case ConvertType::kBF16:
      return 32;
    case ConvertType::kQ8_0:
      return 7;
    default:
      return 0;
  }
}

// Converts one row of n floats to `type` (n is a whole number of blocks for quantized types).
void encode_row(DType type, const float* src, uint8_t* dst, size_t n) {
  switch (type) {
    case DType::F32:
      std::memcpy(dst, src, n * 4);
      return;
    case DType::F16:
      for (size_t i = 0; i < n; ++i) {
        const fp16_t h = fp32_to_fp16(src[i]);
        std::memcpy(dst + 2 * i, &h, 2);
      }
      return;
    case DType::BF16:
      for (size_t i = 0; i < n; ++i) {
        const bf16_t h = fp32_to_bf16(src[i]);
        std::memcpy(dst + 2 * i, &h, 2);
      }
      return;
    default:
      quantize_row(type, src, dst, n);  // the reference quantizers (Q8_0, Q4_0, Q4_K, Q6_K...)
      return;
  }
}

void write_plan(ModelPlan& plan, const ConvertOptions& o) {
  GgufWriter& w = plan.writer;
  w.set_u32("general.file_type", file_type_id(o.type));
  const bool quantized =
      o.type != ConvertType::kF32 && o.type != ConvertType::kF16 && o.type != ConvertType::kBF16;
  if (quantized) w.set_u32("general.quantization_version", 2);

  const std::vector<DType> types = tensor_types(o.type, plan);
  uint64_t total = 0;
  for (const auto& t : plan.tensors) total += t.n_elements();
  const uint64_t grand_total = 2 * std::max<uint64_t>(total, 1);
  uint64_t done = 0;
  auto report = [&](uint64_t d) {
    if (o.progress && !o.progress(d, grand_total))
      fail(Status::kCancelled, fmt::format("conversion to '{}' was cancelled", o.output));
  };
  report(0);
  std::vector<float> buf;
  for (size_t i = 0; i < plan.tensors.size(); ++i) {
    const PlannedTensor& t = plan.tensors[i];
    const uint64_t n = t.n_elements();
    const uint64_t row = t.shape.empty() ? 1 : t.shape.back();
    const uint64_t rows = row == 0 ? 0 : n / row;
    const auto rb = row_bytes(types[i], row);
    if (!rb) fail(Status::kInternal, fmt::format("'{}': bad row size", t.name));
    buf.resize(n);
    t.load(buf.data());
    std::vector<uint8_t> out(*rb * rows);
    for (uint64_t r = 0; r < rows; ++r)
      encode_row(types[i], buf.data() + r * row, out.data() + r * *rb, row);
    w.add_tensor(t.name, types[i], gguf_dims(t.shape), std::move(out));
    done += n;
    report(done);
  }
  buf = {};
  w.write(o.output, [&](uint64_t wdone, uint64_t wtotal) {
    const uint64_t half = grand_total / 2;
    const uint64_t d =
        half + (wtotal ? static_cast<uint64_t>(static_cast<double>(wdone) / wtotal * half) : half);
    return !o.progress || o.progress(std::min(d, grand_total), grand_total);
  });
}

}  // namespace

ConvertType convert_type_from_name(const std::string& name) {
  std::string s = name;
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s == "f32") return ConvertType::kF32;
  if (s == "f16") return ConvertType::kF16;
  if (s == "bf16") return ConvertType::kBF16;
  if (s == "q8_0") return ConvertType::kQ8_0;
  std::string names = "f32, f16, bf16, q8_0";
  for (const auto& m : kMixes) {
    if (quantize_type_name(m.quantize) == s) return m.convert;
    names += ", " + std::string(quantize_type_name(m.quantize));
  }
  fail(Status::kInvalidArgument, fmt::format("unknown output type '{}' ({})", name, names));
}

void convert_model(const ConvertOptions& o) {
  if (o.input.empty()) fail(Status::kInvalidArgument, "no input given");
  if (o.output.empty()) fail(Status::kInvalidArgument, "no output path given");
  ModelPlan plan = o.llama2c_tokenizer.empty()
                       ? convert::plan_hf(o.input)
                       : convert::plan_llama2c(o.input, o.llama2c_tokenizer);
  write_plan(plan, o);
}

}  // namespace hearth

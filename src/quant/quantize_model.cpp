// hearth quantize: GGUF -> GGUF with re-quantized weights. The per-tensor type rules are those of
// llama.cpp's llama_tensor_get_type (llama-quant.cpp) for the types hearth offers, so that a
// hearth-quantized file has the same layout and, tensor for tensor, the same bytes as
// llama-quantize's output from the same input.
#include "hearth/quantize_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "core/thread_pool.hpp"
#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "hearth/quant.hpp"

namespace hearth {
namespace {

struct TypeInfo {
  QuantizeType type;
  std::string_view name;
  DType base;          // the default tensor type
  uint32_t file_type;  // llama_ftype
};

constexpr TypeInfo kTypes[] = {
    {QuantizeType::kF32, "f32", DType::F32, 0},
    {QuantizeType::kF16, "f16", DType::F16, 1},
    {QuantizeType::kBF16, "bf16", DType::BF16, 32},
    {QuantizeType::kQ8_0, "q8_0", DType::Q8_0, 7},
    {QuantizeType::kQ4_0, "q4_0", DType::Q4_0, 2},
    {QuantizeType::kQ4_K_M, "q4_k_m", DType::Q4_K, 15},
    {QuantizeType::kQ6_K, "q6_k", DType::Q6_K, 18},
};

const TypeInfo& info(QuantizeType t) {
  for (const auto& i : kTypes)
    if (i.type == t) return i;
  fail(Status::kInvalidArgument, "unknown quantization type");
}

bool contains(const std::string& s, std::string_view part) {
  return s.find(part) != std::string::npos;
}

bool is_float(DType t) {
  return t == DType::F32 || t == DType::F16 || t == DType::BF16;
}

// ggml_n_dims: dimensions up to the last one larger than 1.
size_t n_dims(const std::vector<uint64_t>& dims) {
  size_t n = 1;
  for (size_t i = 0; i < dims.size(); ++i)
    if (dims[i] > 1) n = i + 1;
  return n;
}

// llama.cpp quantizes weight matrices only: never 1-D tensors, norms, MoE routers or integer
// tensors (the list is llama-quant.cpp's, for the architectures hearth runs).
bool should_quantize(const TensorDesc& t) {
  if (!is_float(t.type) && !dtype_traits(t.type).quantized) return false;
  const std::string& n = t.name;
  if (n.size() < 6 || n.compare(n.size() - 6, 6, "weight") != 0) return false;
  if (n_dims(t.dims) < 2) return false;
  for (std::string_view skip : {"_norm.weight", "ffn_gate_inp.weight", "pos_embd", "token_types",
                                "rope_freqs", "ssm_conv1d.weight", "attn_rel_b.weight"})
    if (contains(n, skip)) return false;
  return true;
}

// llama.cpp's use_more_bits: the first and last eighth of the layers and every third one between.
bool use_more_bits(int i_layer, int n_layers) {
  return i_layer < n_layers / 8 || i_layer >= 7 * n_layers / 8 || (i_layer - n_layers / 8) % 3 == 2;
}

bool is_k_type(DType t) {
  return t == DType::Q2_K || t == DType::Q3_K || t == DType::Q4_K || t == DType::Q5_K ||
         t == DType::Q6_K;
}

// The type llama.cpp's llama_tensor_get_type picks for a quantized target (non-pure mode).
DType pick_quantized(QuantizeType target, const TensorDesc& t, bool has_output, int* i_attn_v,
                     int n_attn_v, int* i_ffn_down, int n_ffn_down) {
  DType type = info(target).base;
  const uint64_t nx = t.dims[0];
  const bool q4_k_m = target == QuantizeType::kQ4_K_M;
  if (t.name == "output.weight" || (!has_output && t.name == "token_embd.weight")) {
    // The output matrix gets at least Q6_K (Q8_0 stays), or Q8_0 if rows do not fit K blocks.
    if (nx % kQK_K != 0)
      type = DType::Q8_0;
    else if (type != DType::Q8_0)
      type = DType::Q6_K;
  } else if (contains(t.name, "attn_v.weight")) {
    if (q4_k_m && use_more_bits(*i_attn_v, n_attn_v)) type = DType::Q6_K;
    ++*i_attn_v;
  } else if (contains(t.name, "attn_qkv.weight")) {
    if (q4_k_m) type = DType::Q5_K;
  } else if (contains(t.name, "ffn_down")) {
    if (q4_k_m && use_more_bits(*i_ffn_down, n_ffn_down)) type = DType::Q6_K;
    ++*i_ffn_down;
  }
  // Rows that are not whole K super-blocks fall back as llama.cpp does.
  if (is_k_type(type) && nx % kQK_K != 0) {
    if (type == DType::Q4_K)
      type = DType::Q5_0;
    else if (type == DType::Q5_K)
      type = DType::Q5_1;
    else
      type = DType::Q8_0;
  }
  return type;
}

// "blk.N." -> N, else -1.
int layer_of(const std::string& name) {
  if (name.compare(0, 4, "blk.") != 0) return -1;
  int n = 0;
  size_t i = 4;
  if (i >= name.size() || !std::isdigit(static_cast<unsigned char>(name[i]))) return -1;
  for (; i < name.size() && std::isdigit(static_cast<unsigned char>(name[i])); ++i)
    n = n * 10 + (name[i] - '0');
  return i < name.size() && name[i] == '.' ? n : -1;
}

}  // namespace

std::vector<size_t> llama_tensor_order(const std::vector<std::string>& names) {
  std::vector<size_t> order(names.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const int la = layer_of(names[a]), lb = layer_of(names[b]);
    return la != lb ? la < lb : names[a] < names[b];
  });
  return order;
}

QuantizeType quantize_type_from_name(std::string_view name) {
  std::string lower(name);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& i : kTypes)
    if (i.name == lower) return i.type;
  fail(Status::kInvalidArgument,
       fmt::format("unknown quantization type '{}' (f32, f16, bf16, q8_0, q4_0, q4_k_m, q6_k)",
                   std::string(name)));
}

std::string_view quantize_type_name(QuantizeType type) {
  return info(type).name;
}
uint32_t quantize_file_type(QuantizeType type) {
  return info(type).file_type;
}

std::vector<DType> plan_tensor_types(QuantizeType target, const std::vector<TensorDesc>& tensors) {
  const bool quantized_target = dtype_traits(info(target).base).quantized;
  bool has_output = false;
  int n_attn_v = 0, n_ffn_down = 0;
  for (const auto& t : tensors) {
    has_output = has_output || t.name == "output.weight";
    n_attn_v += contains(t.name, "attn_v.weight") || contains(t.name, "attn_qkv.weight");
    n_ffn_down += contains(t.name, "ffn_down");
  }
  int i_attn_v = 0, i_ffn_down = 0;
  std::vector<DType> out;
  out.reserve(tensors.size());
  for (const auto& t : tensors) {
    if (!should_quantize(t)) {
      out.push_back(t.type);
      continue;
    }
    DType type = quantized_target ? pick_quantized(target, t, has_output, &i_attn_v, n_attn_v,
                                                   &i_ffn_down, n_ffn_down)
                                  : info(target).base;
    // Rows that do not fill whole 32-element blocks cannot be quantized at all: F16, as llama.cpp.
    if (!row_bytes(type, t.dims[0])) type = DType::F16;
    out.push_back(type);
  }
  return out;
}

void quantize_model(const QuantizeOptions& o) {
  if (o.input.empty() || o.output.empty())
    fail(Status::kInvalidArgument, "quantize: input and output paths are required");
  const auto in = GgufFile::open(o.input);
  // Tensors in llama-quantize's order, so that the files match byte for byte.
  std::vector<std::string> names;
  for (const auto& t : in->tensors()) names.push_back(t.name);
  std::vector<const GgufTensorInfo*> tensors;
  for (size_t i : llama_tensor_order(names)) tensors.push_back(&in->tensors()[i]);
  std::vector<TensorDesc> descs;
  uint64_t total = 0;
  for (const auto* t : tensors) {
    descs.push_back({t->name, t->dims, t->type});
    total += t->n_elements;
  }
  const std::vector<DType> types = plan_tensor_types(o.type, descs);

  GgufWriter writer(in->alignment());
  // llama.cpp re-adds the two keys it sets at the end, wherever the input had them.
  for (const auto& [key, value] : in->metadata())
    if (key != "general.quantization_version" && key != "general.file_type") writer.set(key, value);
  writer.set_u32("general.quantization_version", 2);
  writer.set_u32("general.file_type", quantize_file_type(o.type));

  ThreadPool pool(o.n_threads);
  uint64_t done = 0;
  auto report = [&] {
    if (o.progress && !o.progress(done, total))
      fail(Status::kCancelled, "quantize: cancelled; no output written");
  };
  report();
  for (size_t k = 0; k < tensors.size(); ++k) {
    const GgufTensorInfo& t = *tensors[k];
    const DType to = types[k];
    if (o.log)
      o.log(fmt::format("[{:4}/{:4}] {:<32} {:>5} -> {}", k + 1, tensors.size(), t.name,
                        dtype_name(t.type), dtype_name(to)));
    if (to == t.type) {
      writer.add_tensor_ref(t.name, t.type, t.dims, t.data, t.n_bytes);
      done += t.n_elements;
      report();
      continue;
    }
    const uint64_t ne0 = t.dims.empty() ? 1 : t.dims[0];
    const uint64_t n_rows = ne0 ? t.n_elements / ne0 : 0;
    const size_t src_row = *row_bytes(t.type, ne0);
    const size_t dst_row = *row_bytes(to, ne0);
    std::vector<uint8_t> data(dst_row * n_rows);
    // Chunks of about 1M elements between progress reports; rows in parallel within a chunk.
    const uint64_t chunk_rows = std::max<uint64_t>(1, (1u << 20) / std::max<uint64_t>(ne0, 1));
    for (uint64_t r0 = 0; r0 < n_rows; r0 += chunk_rows) {
      const uint64_t r1 = std::min(n_rows, r0 + chunk_rows);
      parallel_for(&pool, static_cast<int64_t>(r1 - r0), [&](int64_t b, int64_t e) {
        std::vector<float> row(ne0);
        for (int64_t r = b; r < e; ++r) {
          const uint64_t i = r0 + static_cast<uint64_t>(r);
          dequantize_row(t.type, t.data + i * src_row, row.data(), ne0);
          quantize_row(to, row.data(), data.data() + i * dst_row, ne0);
        }
      });
      done += (r1 - r0) * ne0;
      report();
    }
    writer.add_tensor(t.name, to, t.dims, std::move(data));
  }
  writer.write(o.output);
}

}  // namespace hearth

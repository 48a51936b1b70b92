// Which type each tensor gets: llama.cpp's llama_tensor_get_type (llama-quant.cpp) for the
// llama_ftype mixes hearth offers, without an importance matrix. The rules depend on a tensor's
// kind (from its name), its position among the tensors of that kind, the layer count, the GQA
// ratio and the architecture, so the same input gives llama-quantize's exact layout.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "hearth/quant.hpp"
#include "hearth/quantize_model.hpp"

namespace hearth {
namespace {

using Q = QuantizeType;

struct TypeInfo {
  Q type;
  std::string_view name;
  DType base;          // llama_ftype_get_default_type
  uint32_t file_type;  // llama_ftype
};

constexpr TypeInfo kTypes[] = {
    {Q::kF32, "f32", DType::F32, 0},         {Q::kF16, "f16", DType::F16, 1},
    {Q::kBF16, "bf16", DType::BF16, 32},     {Q::kQ8_0, "q8_0", DType::Q8_0, 7},
    {Q::kQ4_0, "q4_0", DType::Q4_0, 2},      {Q::kQ4_1, "q4_1", DType::Q4_1, 3},
    {Q::kQ5_0, "q5_0", DType::Q5_0, 8},      {Q::kQ5_1, "q5_1", DType::Q5_1, 9},
    {Q::kQ2_K, "q2_k", DType::Q2_K, 10},     {Q::kQ3_K_S, "q3_k_s", DType::Q3_K, 11},
    {Q::kQ3_K_M, "q3_k_m", DType::Q3_K, 12}, {Q::kQ3_K_L, "q3_k_l", DType::Q3_K, 13},
    {Q::kQ4_K_S, "q4_k_s", DType::Q4_K, 14}, {Q::kQ4_K_M, "q4_k_m", DType::Q4_K, 15},
    {Q::kQ5_K_S, "q5_k_s", DType::Q5_K, 16}, {Q::kQ5_K_M, "q5_k_m", DType::Q5_K, 17},
    {Q::kQ6_K, "q6_k", DType::Q6_K, 18},
};

const TypeInfo& info(Q t) {
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

enum class Kind { kTokenEmbd, kAttnV, kAttnK, kAttnOutput, kFfnDown, kOutput, kOther };

// llama-quant.cpp's tensor_get_category, reduced to the kinds the non-IQ mixes distinguish.
// attn_qkv and attn_kv_b count as attn_v (category_is_attn_v).
Kind kind_of(const std::string& n) {
  if (n == "output.weight") return Kind::kOutput;
  if (n == "token_embd.weight" || n == "per_layer_token_embd.weight") return Kind::kTokenEmbd;
  if (contains(n, "attn_qkv.weight") || contains(n, "attn_kv_b.weight") ||
      contains(n, "attn_v.weight"))
    return Kind::kAttnV;
  if (contains(n, "attn_k.weight")) return Kind::kAttnK;
  if (contains(n, "attn_q.weight")) return Kind::kOther;
  if (contains(n, "attn_output.weight")) return Kind::kAttnOutput;
  if (contains(n, "ffn_up") || contains(n, "ffn_gate")) return Kind::kOther;
  if (contains(n, "ffn_down")) return Kind::kFfnDown;
  return Kind::kOther;
}

// The first and last eighth of the layers and every third one between get more bits.
bool use_more_bits(int i_layer, int n_layers) {
  return i_layer < n_layers / 8 || i_layer >= 7 * n_layers / 8 || (i_layer - n_layers / 8) % 3 == 2;
}

// "blk.N." -> N, else -1.
int layer_of(const std::string& name) {
  if (name.compare(0, 4, "blk.") != 0) return -1;
  int n = 0;
  size_t i = 4;
  if (i >= name.size() || !std::isdigit(static_cast<unsigned char>(name[i]))) return -1;
  for (; i < name.size() && std::isdigit(static_cast<unsigned char>(name[i])); ++i)
    n = std::min(n * 10 + (name[i] - '0'), 1 << 24);
  return i < name.size() && name[i] == '.' ? n : -1;
}

struct PlanState {
  const QuantizeModelInfo& model;
  bool tied = true;  // no output.weight: token_embd is also the output matrix
  int n_attn_v = 0, i_attn_v = 0, n_layer = 0, i_ffn_down = 0;
};

int block_elems(DType t) {
  return static_cast<int>(dtype_traits(t).block_elems);
}

// llama_tensor_get_type_impl for the mixes of kTypes.
DType pick_mixed(Q f, DType type, const TensorDesc& t, PlanState& s) {
  const QuantizeModelInfo& m = s.model;
  const bool falcon = m.arch == "falcon";
  const Kind kind = kind_of(t.name);
  if (kind == Kind::kOutput || (s.tied && kind == Kind::kTokenEmbd)) {
    // The output matrix gets at least Q6_K (Q8_0 stays), or Q8_0 when its rows do not fit the
    // default type's blocks.
    if (falcon || t.dims[0] % block_elems(type) != 0) return DType::Q8_0;
    return type == DType::Q8_0 ? type : DType::Q6_K;
  }
  if (kind == Kind::kAttnV) {
    const int i = s.i_attn_v++;
    if (f == Q::kQ2_K)
      type = m.n_gqa() >= 4 ? DType::Q4_K : DType::Q3_K;
    else if (f == Q::kQ3_K_M)
      type = i < 2 ? DType::Q5_K : DType::Q4_K;
    else if (f == Q::kQ3_K_L)
      type = DType::Q5_K;
    else if ((f == Q::kQ4_K_M || f == Q::kQ5_K_M) && use_more_bits(i, s.n_attn_v))
      type = DType::Q6_K;
    else if (f == Q::kQ4_K_S && i < 4)
      type = DType::Q5_K;
    // 70B: attn_v is 8x smaller than attn_q (8 heads share it), so more bits cost little.
    if (m.is_70b() && (type == DType::Q3_K || type == DType::Q4_K)) type = DType::Q5_K;
    if (m.n_expert == 8) type = DType::Q8_0;
    return type;
  }
  if (kind == Kind::kAttnK) return m.n_expert == 8 ? DType::Q8_0 : type;
  if (kind == Kind::kFfnDown) {
    // MoE models number experts by the layer in the name; dense ones by position.
    const int i = m.n_expert > 1 ? std::max(0, layer_of(t.name)) : s.i_ffn_down;
    const int n = s.n_layer;
    ++s.i_ffn_down;
    if (f == Q::kQ2_K) return DType::Q3_K;
    if (f == Q::kQ3_K_M)
      return i < n / 16 ? DType::Q5_K : !falcon || use_more_bits(i, n) ? DType::Q4_K : DType::Q3_K;
    if (f == Q::kQ3_K_L) return falcon ? DType::Q4_K : DType::Q5_K;
    if (f == Q::kQ4_K_M) {
      if (falcon) return i < n / 16 ? DType::Q6_K : use_more_bits(i, n) ? DType::Q5_K : DType::Q4_K;
      return use_more_bits(i, n) ? DType::Q6_K : type;
    }
    if (f == Q::kQ5_K_M) return use_more_bits(i, n) ? DType::Q6_K : type;
    if (f == Q::kQ4_K_S && !falcon && i < n / 8) return DType::Q5_K;
    return type;
  }
  if (kind == Kind::kAttnOutput) {
    if (falcon) return f == Q::kQ3_K_L ? DType::Q4_K : type;
    if (m.n_expert == 8)
      return f == Q::kQ2_K || f == Q::kQ3_K_S || f == Q::kQ3_K_M || f == Q::kQ4_K_S ||
                     f == Q::kQ4_K_M
                 ? DType::Q5_K
                 : type;
    if (f == Q::kQ2_K) return DType::Q3_K;
    if (f == Q::kQ3_K_M) return DType::Q4_K;
    if (f == Q::kQ3_K_L) return DType::Q5_K;
  }
  return type;
}

// tensor_type_fallback: a type whose blocks do not tile the rows becomes a 32-element type,
// and F16 if even those do not fit.
DType fallback(DType type, uint64_t ncols) {
  if (ncols % block_elems(type) == 0) return type;
  switch (type) {
    case DType::Q2_K:
    case DType::Q3_K:
      type = DType::Q4_0;
      break;
    case DType::Q4_K:
      type = DType::Q5_0;
      break;
    case DType::Q5_K:
      type = DType::Q5_1;
      break;
    case DType::Q6_K:
      type = DType::Q8_0;
      break;
    default:
      break;
  }
  return ncols % block_elems(type) == 0 ? type : DType::F16;
}

}  // namespace

bool QuantizeModelInfo::is_70b() const {
  return n_layer == 80 && ((arch == "llama" && n_head != n_head_kv) || arch == "qwen2");
}

QuantizeModelInfo quantize_model_info(const GgufFile& f) {
  QuantizeModelInfo m;
  m.arch = f.get_string("general.architecture").value_or("");
  auto get = [&](const std::string& key) {
    const int64_t v = f.get_int(m.arch + key).value_or(0);
    return static_cast<int>(std::clamp<int64_t>(v, 0, 1 << 24));
  };
  m.n_layer = get(".block_count");
  m.n_head = get(".attention.head_count");
  m.n_head_kv = get(".attention.head_count_kv");
  if (!f.get_int(m.arch + ".attention.head_count_kv")) m.n_head_kv = m.n_head;
  m.n_expert = get(".expert_count");
  return m;
}

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
  std::string names;
  for (const auto& i : kTypes) names += (names.empty() ? "" : ", ") + std::string(i.name);
  fail(Status::kInvalidArgument,
       fmt::format("unknown quantization type '{}' ({})", std::string(name), names));
}

std::string_view quantize_type_name(QuantizeType type) {
  return info(type).name;
}
uint32_t quantize_file_type(QuantizeType type) {
  return info(type).file_type;
}
DType quantize_base_type(QuantizeType type) {
  return info(type).base;
}

std::vector<DType> plan_tensor_types(QuantizeType target, const std::vector<TensorDesc>& tensors,
                                     const QuantizeModelInfo& model) {
  const DType base = info(target).base;
  const bool quantized_target = dtype_traits(base).quantized;
  PlanState s{model};
  int n_ffn_down = 0;
  for (const auto& t : tensors) {
    const Kind k = kind_of(t.name);
    s.tied = s.tied && k != Kind::kOutput;
    s.n_attn_v += k == Kind::kAttnV;
    n_ffn_down += k == Kind::kFfnDown;
  }
  // llama.cpp counts layers from the metadata; without it, one ffn_down per layer.
  s.n_layer = model.n_layer > 0 ? model.n_layer : n_ffn_down;
  std::vector<DType> out;
  out.reserve(tensors.size());
  for (const auto& t : tensors) {
    if (!should_quantize(t)) {
      out.push_back(t.type);
      continue;
    }
    DType type = base;
    if (quantized_target) type = fallback(pick_mixed(target, base, t, s), t.dims[0]);
    if (!row_bytes(type, t.dims[0])) type = DType::F16;
    out.push_back(type);
  }
  return out;
}

}  // namespace hearth

#include "convert/hf_config.hpp"

#include <fmt/format.h>

#include "convert/mapped_file.hpp"
#include "hearth/error.hpp"

namespace hearth::convert {

namespace {

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  fail(Status::kInvalidModel, fmt::format("{}: {}", path, what));
}

uint64_t get_positive(const nlohmann::json& j, const std::string& path, const char* key,
                      std::optional<uint64_t> fallback = std::nullopt) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (fallback) return *fallback;
    bad(path, fmt::format("missing \"{}\"", key));
  }
  if (!it->is_number_integer() || it->get<int64_t>() <= 0 || it->get<int64_t>() > (1ll << 32))
    bad(path, fmt::format("\"{}\" must be a positive integer", key));
  return it->get<uint64_t>();
}

std::optional<double> get_number(const nlohmann::json& j, const std::string& path,
                                 const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) bad(path, fmt::format("\"{}\" must be a number", key));
  return it->get<double>();
}

}  // namespace

HfConfig read_hf_config(const std::string& dir) {
  const std::string path = dir + "/config.json";
  HfConfig c;
  try {
    c.json = nlohmann::json::parse(read_text_file(path));
  } catch (const nlohmann::json::exception& e) {
    bad(path, std::string("not valid JSON: ") + e.what());
  }
  const auto& j = c.json;
  if (!j.is_object()) bad(path, "not a JSON object");
  auto archs = j.find("architectures");
  if (archs == j.end() || !archs->is_array() || archs->empty() || !(*archs)[0].is_string())
    bad(path, "missing \"architectures\" (e.g. [\"LlamaForCausalLM\"])");
  c.hf_arch = (*archs)[0].get<std::string>();
  if (c.hf_arch == "LlamaForCausalLM" || c.hf_arch == "MistralForCausalLM") {
    c.arch = "llama";
    c.permute_qk = true;
  } else if (c.hf_arch == "Qwen2ForCausalLM") {
    c.arch = "qwen2";
    c.qkv_bias = true;
  } else if (c.hf_arch == "Qwen3ForCausalLM") {
    c.arch = "qwen3";
    c.qk_norm = true;
  } else {
    fail(Status::kUnsupported,
         fmt::format("{}: architecture '{}' is not supported (supported: LlamaForCausalLM, "
                     "MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM)",
                     path, c.hf_arch));
  }
  c.n_layer = get_positive(j, path, "num_hidden_layers");
  c.n_embd = get_positive(j, path, "hidden_size");
  c.n_ff = get_positive(j, path, "intermediate_size");
  c.n_head = get_positive(j, path, "num_attention_heads");
  c.n_head_kv = get_positive(j, path, "num_key_value_heads", c.n_head);
  c.n_vocab = get_positive(j, path, "vocab_size");
  c.n_ctx = get_positive(j, path, "max_position_embeddings");
  c.head_dim_explicit = j.contains("head_dim") && !j["head_dim"].is_null();
  if (!c.head_dim_explicit && c.n_embd % c.n_head != 0)
    bad(path, fmt::format("hidden_size {} is not a multiple of num_attention_heads {}", c.n_embd,
                          c.n_head));
  c.head_dim = get_positive(j, path, "head_dim", c.n_embd / c.n_head);
  if (c.n_head % c.n_head_kv != 0)
    bad(path, fmt::format("num_attention_heads {} is not a multiple of num_key_value_heads {}",
                          c.n_head, c.n_head_kv));
  if (c.head_dim % 2 != 0) bad(path, fmt::format("head dimension {} is odd", c.head_dim));
  c.rope_theta = get_number(j, path, "rope_theta");
  c.rms_eps = get_number(j, path, "rms_norm_eps").value_or(1e-6);
  if (auto t = j.find("tie_word_embeddings"); t != j.end() && !t->is_null()) {
    if (!t->is_boolean()) bad(path, "\"tie_word_embeddings\" must be true or false");
    c.tied = t->get<bool>();
  }
  if (auto rs = j.find("rope_scaling"); rs != j.end() && !rs->is_null()) {
    // find(), not json::value(): a value of another JSON type must be a clean error, not a
    // type_error escaping the importer (found by fuzz_safetensors).
    if (!rs->is_object()) bad(path, "\"rope_scaling\" must be an object or null");
    auto text = [&](const char* key) {
      const auto it = rs->find(key);
      return it != rs->end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    const std::string type = !text("rope_type").empty() ? text("rope_type") : text("type");
    const auto factor = rs->find("factor");
    if (type != "linear" || factor == rs->end() || !factor->is_number())
      fail(Status::kUnsupported,
           fmt::format("{}: rope_scaling of type '{}' is not supported (only linear)", path, type));
    c.rope_linear_factor = factor->get<double>();
  }
  return c;
}

}  // namespace hearth::convert

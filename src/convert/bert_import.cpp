// Hugging Face BERT checkpoints (BertModel, BertForMaskedLM; sentence-transformers folders):
// config.json + model.safetensors + vocab.txt -> GGUF `bert` with llama.cpp's metadata keys,
// tensor names and WordPiece vocabulary ("phantom space" form: a word-initial piece gets a
// U+2581 prefix, a "##" continuation loses its "##", special tokens stay as they are), so that
// src/embed/ and llama.cpp run the file alike. The pooling comes from a sentence-transformers
// 1_Pooling/config.json when there is one (as llama.cpp's converter does).
#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "convert/hf_tensors.hpp"
#include "convert/importers.hpp"
#include "convert/mapped_file.hpp"
#include "hearth/error.hpp"

namespace hearth::convert {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::set<std::string> kBertArchitectures = {"BertModel", "BertForMaskedLM",
                                                  "BertForPreTraining"};

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  fail(Status::kInvalidModel, fmt::format("{}: {}", path, what));
}

json read_json(const std::string& path) {
  try {
    json j = json::parse(read_text_file(path));
    if (!j.is_object()) bad(path, "not a JSON object");
    return j;
  } catch (const json::exception& e) {
    bad(path, std::string("not valid JSON: ") + e.what());
  }
}

uint64_t positive(const json& j, const std::string& path, const char* key,
                  std::optional<uint64_t> fallback = std::nullopt) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (fallback) return *fallback;
    bad(path, fmt::format("missing \"{}\"", key));
  }
  if (!it->is_number_integer() || it->get<int64_t>() <= 0 || it->get<int64_t>() > (1ll << 31))
    bad(path, fmt::format("\"{}\" must be a positive integer", key));
  return it->get<uint64_t>();
}

// A string setting; json::value() would throw a type_error for another JSON type.
std::string string_field(const json& j, const std::string& path, const char* key,
                         const std::string& fallback) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_string()) bad(path, fmt::format("\"{}\" must be a string", key));
  return *it;
}

std::string text_or(const json& j, const char* key, const std::string& fallback) {
  const auto it = j.find(key);
  if (it == j.end()) return fallback;
  if (it->is_string()) return *it;
  if (it->is_object() && it->contains("content") && (*it)["content"].is_string())
    return (*it)["content"];  // an AddedToken object
  return fallback;
}

// vocab.txt: one token per line, id = line number.
std::vector<std::string> read_vocab(const std::string& path) {
  if (!fs::exists(path))
    fail(Status::kIoError, fmt::format("'{}' not found (BERT needs it)", path));
  const std::string text = read_text_file(path);
  std::vector<std::string> tokens;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) bad(path, fmt::format("line {} is empty", tokens.size() + 1));
    tokens.push_back(std::move(line));
    start = end + 1;
  }
  return tokens;
}

// Tokenizer metadata; returns the vocabulary size.
size_t write_vocab(const std::string& dir, uint64_t type_vocab_size, GgufWriter& w) {
  const std::vector<std::string> vocab = read_vocab(dir + "/vocab.txt");
  const std::string cfg_path = dir + "/tokenizer_config.json";
  const json cfg = fs::exists(cfg_path) ? read_json(cfg_path) : json::object();
  // The special tokens and the GGUF keys of their ids.
  const std::pair<const char*, std::string> specials[] = {
      {"tokenizer.ggml.unknown_token_id", text_or(cfg, "unk_token", "[UNK]")},
      {"tokenizer.ggml.seperator_token_id", text_or(cfg, "sep_token", "[SEP]")},
      {"tokenizer.ggml.padding_token_id", text_or(cfg, "pad_token", "[PAD]")},
      {"tokenizer.ggml.cls_token_id", text_or(cfg, "cls_token", "[CLS]")},
      {"tokenizer.ggml.mask_token_id", text_or(cfg, "mask_token", "[MASK]")},
  };
  std::map<std::string, uint32_t> special_ids;
  for (const auto& [key, text] : specials) special_ids.emplace(text, 0);
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  for (size_t i = 0; i < vocab.size(); ++i) {
    const std::string& t = vocab[i];
    if (special_ids.count(t)) {
      special_ids[t] = static_cast<uint32_t>(i);
      tokens.push_back(t);
      types.push_back(3);  // CONTROL
    } else {
      tokens.push_back(t.compare(0, 2, "##") == 0 ? t.substr(2) : "\xE2\x96\x81" + t);
      types.push_back(1);  // NORMAL
    }
  }
  w.set_string("tokenizer.ggml.model", "bert");
  w.set_string("tokenizer.ggml.pre", "default");
  w.set_string_array("tokenizer.ggml.tokens", tokens);
  w.set_i32_array("tokenizer.ggml.token_type", types);
  w.set_u32("tokenizer.ggml.token_type_count", static_cast<uint32_t>(type_vocab_size));
  for (const auto& [key, text] : specials) {
    bool found = false;
    for (const auto& v : vocab) found = found || v == text;
    if (found)
      w.set_u32(key, special_ids[text]);
    else if (std::string(key) != "tokenizer.ggml.mask_token_id")
      bad(dir + "/vocab.txt", fmt::format("has no special token '{}'", text));
  }
  // llama.cpp starts a BERT text with tokenizer.ggml.bos_token_id (default 101, the usual
  // [CLS]): name it, so that vocabularies with [CLS] elsewhere work there too.
  w.set_u32("tokenizer.ggml.bos_token_id", special_ids[text_or(cfg, "cls_token", "[CLS]")]);
  if (const auto lower = cfg.find("do_lower_case"); lower != cfg.end() && lower->is_boolean())
    w.set_bool("tokenizer.ggml.normalizer.lowercase", lower->get<bool>());
  return vocab.size();
}

// sentence-transformers' pooling, as llama.cpp's numbering: 1 mean, 2 cls, 3 last.
std::optional<uint32_t> pooling_type(const std::string& dir) {
  const std::string path = dir + "/1_Pooling/config.json";
  if (!fs::exists(path)) return std::nullopt;
  const json p = read_json(path);
  auto on = [&](const char* key) {
    const auto it = p.find(key);
    return it != p.end() && it->is_boolean() && it->get<bool>();
  };
  if (on("pooling_mode_mean_tokens")) return 1;
  if (on("pooling_mode_cls_token")) return 2;
  if (on("pooling_mode_lasttoken")) return 3;
  fail(Status::kUnsupported, fmt::format("{}: a pooling mode hearth does not run", path));
}

}  // namespace

bool is_bert_checkpoint(const std::string& dir) {
  const std::string path = dir + "/config.json";
  if (!fs::exists(path)) return false;
  json j;
  try {
    j = json::parse(read_text_file(path));
  } catch (const std::exception&) {
    return false;  // read_hf_config() reports it
  }
  if (!j.is_object()) return false;
  const auto archs = j.find("architectures");
  if (archs != j.end() && archs->is_array() && !archs->empty() && (*archs)[0].is_string())
    return kBertArchitectures.count((*archs)[0].get<std::string>()) != 0;
  return j.value("model_type", json()) == "bert";
}

ModelPlan plan_bert(const std::string& dir) {
  const std::string path = dir + "/config.json";
  const json c = read_json(path);
  const uint64_t E = positive(c, path, "hidden_size"), L = positive(c, path, "num_hidden_layers");
  const uint64_t H = positive(c, path, "num_attention_heads");
  const uint64_t F = positive(c, path, "intermediate_size");
  const uint64_t P = positive(c, path, "max_position_embeddings");
  const uint64_t V = positive(c, path, "vocab_size");
  const uint64_t T = positive(c, path, "type_vocab_size", 2);
  if (E % H != 0)
    bad(path, fmt::format("hidden_size {} is not a multiple of num_attention_heads {}", E, H));
  const std::string act = string_field(c, path, "hidden_act", "gelu");
  if (act.compare(0, 4, "gelu") != 0)
    fail(Status::kUnsupported, fmt::format("{}: hidden_act '{}' (gelu only)", path, act));
  if (string_field(c, path, "position_embedding_type", "absolute") != "absolute")
    fail(Status::kUnsupported, fmt::format("{}: only absolute position embeddings", path));
  double eps = 1e-12;
  if (const auto it = c.find("layer_norm_eps"); it != c.end() && !it->is_null()) {
    if (!it->is_number()) bad(path, "\"layer_norm_eps\" must be a number");
    eps = it->get<double>();
  }

  ModelPlan plan;
  plan.arch = "bert";
  GgufWriter& w = plan.writer;
  std::string name = fs::path(dir).filename().string();
  if (name.empty()) name = fs::path(dir).parent_path().filename().string();
  w.set_string("general.architecture", "bert");
  w.set_string("general.name", name);
  w.set_u32("bert.block_count", static_cast<uint32_t>(L));
  w.set_u32("bert.context_length", static_cast<uint32_t>(P));
  w.set_u32("bert.embedding_length", static_cast<uint32_t>(E));
  w.set_u32("bert.feed_forward_length", static_cast<uint32_t>(F));
  w.set_u32("bert.attention.head_count", static_cast<uint32_t>(H));
  w.set_f32("bert.attention.layer_norm_epsilon", static_cast<float>(eps));
  w.set_bool("bert.attention.causal", false);
  if (const auto pooling = pooling_type(dir)) w.set_u32("bert.pooling_type", *pooling);
  const size_t n_tokens = write_vocab(dir, T, w);
  if (n_tokens != V)
    bad(path, fmt::format("vocab.txt has {} tokens but vocab_size is {}", n_tokens, V));

  HfPlanner p(open_shards(dir));
  // BertForMaskedLM / BertForPreTraining prefix the encoder with "bert.".
  const std::string pre = p.has("bert.embeddings.word_embeddings.weight") ? "bert." : "";
  p.add(plan, pre + "embeddings.word_embeddings.weight", "token_embd.weight", {V, E});
  p.add(plan, pre + "embeddings.token_type_embeddings.weight", "token_types.weight", {T, E});
  p.add(plan, pre + "embeddings.position_embeddings.weight", "position_embd.weight", {P, E});
  p.add(plan, pre + "embeddings.LayerNorm.weight", "token_embd_norm.weight", {E});
  p.add(plan, pre + "embeddings.LayerNorm.bias", "token_embd_norm.bias", {E});
  for (uint64_t i = 0; i < L; ++i) {
    const std::string hf = fmt::format("{}encoder.layer.{}.", pre, i);
    const std::string g = fmt::format("blk.{}.", i);
    const std::pair<const char*, const char*> linear[] = {
        {"attention.self.query", "attn_q"},
        {"attention.self.key", "attn_k"},
        {"attention.self.value", "attn_v"},
        {"attention.output.dense", "attn_output"},
        {"intermediate.dense", "ffn_up"},
        {"output.dense", "ffn_down"},
        {"attention.output.LayerNorm", "attn_output_norm"},
        {"output.LayerNorm", "layer_output_norm"}};
    for (const auto& [from, to] : linear) {
      const std::string f = from, t = to;
      const bool norm = f.find("LayerNorm") != std::string::npos;
      const uint64_t out = t == "ffn_up" ? F : E;
      const uint64_t in = t == "ffn_down" ? F : E;
      p.add(plan, hf + f + ".weight", g + t + ".weight",
            norm ? std::vector<uint64_t>{E} : std::vector<uint64_t>{out, in});
      p.add(plan, hf + f + ".bias", g + t + ".bias", {out});
    }
  }
  // What embeddings do not use: the pooler, the pre-training heads, position ids.
  std::vector<std::string> left;
  for (const auto& n : p.unused())
    if (n.find("pooler.") == std::string::npos && n.compare(0, 4, "cls.") != 0 &&
        n.find("position_ids") == std::string::npos)
      left.push_back(n);
  if (!left.empty())
    fail(Status::kUnsupported,
         fmt::format("the checkpoint has {} tensor(s) hearth cannot map, e.g. '{}'", left.size(),
                     left.front()));
  return plan;
}

}  // namespace hearth::convert

#include "convert/hf_tokenizer.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <set>
#include <type_traits>

#include "convert/mapped_file.hpp"
#include "convert/token_text.hpp"
#include "hearth/error.hpp"

namespace hearth::convert {

namespace {

using nlohmann::json;

// llama.cpp's token types (tokenizer.ggml.token_type).
enum TokenType : int32_t {
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6
};

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  fail(Status::kInvalidModel, fmt::format("{}: {}", path, what));
}

json read_json(const std::string& path, bool required) {
  if (!required && !std::filesystem::exists(path)) return json::object();
  try {
    json j = json::parse(read_text_file(path));
    if (!j.is_object()) bad(path, "not a JSON object");
    return j;
  } catch (const json::exception& e) {
    bad(path, std::string("not valid JSON: ") + e.what());
  }
}

// j[key] when j is an object holding a value of T's JSON type, else `fallback`. json::value()
// would throw type_error on a value of another type, and operator[] on a const json with a
// missing key is undefined behaviour: tokenizer files are untrusted input.
template <typename T>
T value_or(const json& j, const char* key, T fallback) {
  if (!j.is_object()) return fallback;
  const auto it = j.find(key);
  if (it == j.end()) return fallback;
  if constexpr (std::is_same_v<T, bool>) {
    return it->is_boolean() ? it->get<bool>() : fallback;
  } else {
    return it->is_string() ? it->get<std::string>() : fallback;
  }
}

// A special token entry of tokenizer_config.json: a string or {"content": ...}.
std::optional<std::string> token_content(const json& entry) {
  if (entry.is_string()) return entry.get<std::string>();
  if (entry.is_object() && entry.contains("content") && entry["content"].is_string())
    return entry["content"].get<std::string>();
  return std::nullopt;
}

struct AddedToken {
  std::string content;
  bool special = false;
};

struct Vocab {
  std::map<int64_t, std::string> by_id;  // model.vocab plus added tokens
  std::map<int64_t, AddedToken> added;   // added_tokens
  size_t base_size = 0;                  // size of model.vocab
};

Vocab read_vocab(const std::string& path, const json& tok) {
  Vocab v;
  const json& model = tok["model"];  // an object (checked by the caller)
  const auto found = model.find("vocab");
  if (found == model.end() || !found->is_object())
    bad(path, "model.vocab is not an object of token -> id");
  const json& vocab = *found;
  for (const auto& [text, id] : vocab.items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0)
      bad(path, fmt::format("token '{}' has an invalid id", text));
    if (!v.by_id.emplace(id.get<int64_t>(), text).second)
      bad(path, fmt::format("id {} is used twice", id.get<int64_t>()));
  }
  v.base_size = v.by_id.size();
  if (v.base_size == 0) bad(path, "model.vocab is empty");
  if (auto at = tok.find("added_tokens"); at != tok.end() && at->is_array()) {
    for (const auto& a : *at) {
      if (!a.is_object() || !a.contains("id") || !a["id"].is_number_integer() ||
          a["id"].get<int64_t>() < 0 || !a.contains("content") || !a["content"].is_string())
        bad(path, "an added_tokens entry lacks an id or content");
      const int64_t id = a["id"].get<int64_t>();
      AddedToken t{a["content"].get<std::string>(), value_or(a, "special", false)};
      auto it = v.by_id.find(id);
      if (it != v.by_id.end() && it->second != t.content)
        bad(path, fmt::format("added token {} '{}' conflicts with vocab entry '{}'", id, t.content,
                              it->second));
      v.by_id[id] = t.content;
      v.added[id] = t;
    }
  }
  return v;
}

// Names the pre-tokenizer for llama.cpp. llama.cpp identifies it by hashing the tokenizer's
// output on a probe text, which needs the tokenizer itself; we go by model family instead.
std::string gpt2_pre_name(const HfConfig& config, const json& tok) {
  if (config.arch == "qwen2" || config.arch == "qwen3") return "qwen2";
  const std::string pre = tok.contains("pre_tokenizer") ? tok["pre_tokenizer"].dump() : "";
  if (pre.find("\\\\p{N}{1,3}") != std::string::npos) return "llama-bpe";
  return "default";
}

}  // namespace

size_t write_hf_tokenizer(const std::string& dir, const HfConfig& config, GgufWriter& w) {
  const std::string path = dir + "/tokenizer.json";
  if (!std::filesystem::exists(path))
    fail(Status::kIoError, fmt::format("{} not found (a tokenizer.json is required; "
                                       "SentencePiece tokenizer.model files are not supported)",
                                       path));
  const json tok = read_json(path, true);
  const json tc = read_json(dir + "/tokenizer_config.json", false);
  const json stm = read_json(dir + "/special_tokens_map.json", false);
  if (!tok.contains("model") || !tok["model"].is_object()) bad(path, "no \"model\" object");
  const json& model = tok["model"];
  const std::string type = value_or(model, "type", std::string());
  if (type != "BPE")
    fail(Status::kUnsupported,
         fmt::format("{}: tokenizer model type '{}' is not supported (only BPE)", path, type));
  const Vocab vocab = read_vocab(path, tok);

  // Names of the special tokens (HF's all_special_tokens).
  std::set<std::string> special_names;
  for (const json* j : {&stm, &tc}) {
    for (const char* key : {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token",
                            "cls_token", "mask_token"})
      if (j->contains(key))
        if (auto s = token_content((*j)[key])) special_names.insert(*s);
    if (j->contains("additional_special_tokens") && (*j)["additional_special_tokens"].is_array())
      for (const auto& e : (*j)["additional_special_tokens"])
        if (auto s = token_content(e)) special_names.insert(*s);
  }

  const bool spm_style = config.arch == "llama" && value_or(model, "byte_fallback", false) &&
                         tok.contains("decoder") && tok["decoder"].is_object() &&
                         value_or(tok["decoder"], "type", std::string()) == "Sequence";
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  if (spm_style) {
    // Ids must be dense: base vocabulary first, then added tokens beyond it.
    const int64_t n = static_cast<int64_t>(vocab.by_id.size());
    if (vocab.by_id.rbegin()->first != n - 1)
      bad(path, fmt::format("token ids are not contiguous 0..{}", n - 1));
    for (const auto& [id, text] : vocab.by_id) {
      int32_t t = kNormal;
      if (static_cast<size_t>(id) >= vocab.base_size && !special_names.count(text))
        t = kUserDefined;
      else if (convert::is_byte_token(text))
        t = kByte;
      else if (special_names.count(text))
        t = kControl;
      tokens.push_back(text);
      types.push_back(t);
    }
    w.set_string("tokenizer.ggml.model", "llama");
    w.set_string("tokenizer.ggml.pre", "default");
    w.set_string_array("tokenizer.ggml.tokens", tokens);
    w.set_f32_array("tokenizer.ggml.scores", std::vector<float>(tokens.size(), -1000.0f));
    w.set_i32_array("tokenizer.ggml.token_type", types);
  } else {
    const uint64_t n = std::max<uint64_t>(config.n_vocab, vocab.by_id.rbegin()->first + 1);
    if (vocab.by_id.rbegin()->first >= static_cast<int64_t>(config.n_vocab))
      bad(path, fmt::format("token id {} is beyond config.json vocab_size {}",
                            vocab.by_id.rbegin()->first, config.n_vocab));
    for (uint64_t id = 0; id < n; ++id) {
      auto it = vocab.by_id.find(static_cast<int64_t>(id));
      if (it == vocab.by_id.end()) {
        tokens.push_back(fmt::format("[PAD{}]", id));
        types.push_back(kUnused);
        continue;
      }
      auto added = vocab.added.find(static_cast<int64_t>(id));
      if (added == vocab.added.end()) {
        types.push_back(kNormal);
      } else if (added->second.special || convert::looks_like_control_token(it->second)) {
        types.push_back(kControl);
      } else {
        types.push_back(kUserDefined);
      }
      tokens.push_back(it->second);
    }
    std::vector<std::string> merges;
    if (model.contains("merges") && model["merges"].is_array()) {
      for (const auto& m : model["merges"]) {
        if (m.is_string()) {
          merges.push_back(m.get<std::string>());
        } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
          merges.push_back(m[0].get<std::string>() + " " + m[1].get<std::string>());
        } else {
          bad(path, "a merges entry is neither \"a b\" nor [\"a\", \"b\"]");
        }
      }
    }
    w.set_string("tokenizer.ggml.model", "gpt2");
    w.set_string("tokenizer.ggml.pre", gpt2_pre_name(config, tok));
    w.set_string_array("tokenizer.ggml.tokens", tokens);
    w.set_i32_array("tokenizer.ggml.token_type", types);
    w.set_string_array("tokenizer.ggml.merges", std::move(merges));
  }

  // Special token ids: tokenizer_config.json names matched against added tokens, then the
  // *_token_id fields of config.json.
  static const std::pair<const char*, const char*> kSpecial[] = {
      {"bos", "bos_token_id"},       {"eos", "eos_token_id"},     {"unk", "unknown_token_id"},
      {"sep", "seperator_token_id"}, {"pad", "padding_token_id"}, {"cls", "cls_token_id"},
      {"mask", "mask_token_id"}};
  for (const auto& [typ, key] : kSpecial) {
    std::optional<int64_t> id;
    const std::string name = std::string(typ) + "_token";
    if (tc.contains(name))
      if (auto content = token_content(tc[name]))
        for (const auto& [aid, a] : vocab.added)
          if (a.content == *content) {
            id = aid;
            break;
          }
    if (!id) {
      const auto& cj = config.json;
      const std::string cid = name + "_id";
      if (cj.contains(cid) && cj[cid].is_number_integer() && cj[cid].get<int64_t>() >= 0)
        id = cj[cid].get<int64_t>();
    }
    if (id && static_cast<size_t>(*id) < tokens.size())
      w.set_u32(std::string("tokenizer.ggml.") + key, static_cast<uint32_t>(*id));
  }
  for (const char* typ : {"bos", "eos"}) {
    const std::string key = std::string("add_") + typ + "_token";
    if (tc.contains(key) && tc[key].is_boolean())
      w.set_bool(std::string("tokenizer.ggml.") + key, tc[key].get<bool>());
  }
  if (tc.contains("chat_template")) {
    const json& ct = tc["chat_template"];
    if (ct.is_string()) {
      w.set_string("tokenizer.chat_template", ct.get<std::string>());
    } else if (ct.is_array()) {  // named templates: [{"name": ..., "template": ...}]
      for (const auto& e : ct)
        if (e.is_object() && value_or(e, "name", std::string()) == "default" &&
            e.contains("template") && e["template"].is_string())
          w.set_string("tokenizer.chat_template", e["template"].get<std::string>());
    }
  }
  return tokens.size();
}

}  // namespace hearth::convert

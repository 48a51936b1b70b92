// The token texts below are the ones llama.cpp (v0.5.0 of node-llama-cpp, the peer in
// /work/shared/tools/peer-llamacpp) recognises; tests/peer/tokenize_check.py and
// tests/test_tokenizer_classes.cpp hold hearth to its ids.
#include "tokenizer/special_tokens.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <string>

#include "hearth/gguf.hpp"
#include "tokenizer/string_table.hpp"

namespace hearth::tok {
namespace {

using Texts = std::initializer_list<const char*>;

// llama.cpp's end-of-generation texts: a token with one of them is control whatever its type.
const Texts kEogTexts = {"<|eot_id|>",
                         "<|im_end|>",
                         "<|end|>",
                         "<|return|>",
                         "<|call|>",
                         "<|flush|>",
                         "<|calls|>",
                         "<end_of_turn>",
                         "<|endoftext|>",
                         "</s>",
                         "<|eom_id|>",
                         "<EOT>",
                         "_<EOT>",
                         "[EOT]",
                         "[EOS]",
                         "<|end_of_text|>",
                         "<end_of_utterance>",
                         "<eos>",
                         "<turn|>",
                         "<|tool_response>",
                         "<｜end▁of▁sentence｜>",
                         "[e~["};

// Texts that end generation in hearth (when the token is control or user-defined).
const Texts kEndOfTurnTexts = {"<|eot_id|>",     "<|im_end|>", "<|end|>", "<end_of_turn>",
                               "<|endoftext|>",  "<|eom_id|>", "<EOT>",   "<|END_OF_TURN_TOKEN|>",
                               "<|end_of_text|>"};

// Fill-in-the-middle markers: control when the file names no id for that role. (llama.cpp takes
// the first such token its hash map yields; every one of them is marked here.)
struct FimRole {
  const char* key;
  Texts texts;
  bool ends_generation;
};
const FimRole kFimRoles[] = {
    {"tokenizer.ggml.fim_pre_token_id",
     {"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>",
      "<|code_prefix|>", "<|prefix|>"},
     false},
    {"tokenizer.ggml.fim_suf_token_id",
     {"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>",
      "<|code_suffix|>", "<|suffix|>"},
     false},
    {"tokenizer.ggml.fim_mid_token_id",
     {"<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>",
      "<|code_middle|>", "<|middle|>"},
     false},
    {"tokenizer.ggml.fim_pad_token_id",
     {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"},
     true},
    {"tokenizer.ggml.fim_rep_token_id",
     {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"},
     true},
    {"tokenizer.ggml.fim_sep_token_id", {"<|file_sep|>"}, true},
};

// gpt-oss (harmony) markers that are always rendered and always parsed.
const Texts kAlwaysUserDefined = {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"};

bool contains_any(const std::string& s, Texts parts) {
  for (const char* p : parts)
    if (s.find(p) != std::string::npos) return true;
  return false;
}

}  // namespace

SpecialTokens classify_special_tokens(const GgufFile& file, const StringTable& vocab,
                                      std::vector<TokenType>& types) {
  const auto n = static_cast<int64_t>(types.size());
  auto key_id = [&](const char* key) -> int32_t {
    const auto v = file.get_int(key);
    return v && *v >= 0 && *v < n ? static_cast<int32_t>(*v) : -1;
  };
  auto make_control = [&](int32_t t) {
    if (types[t] != TokenType::kControl && types[t] != TokenType::kUnknown)
      types[t] = TokenType::kControl;
  };
  std::vector<int32_t> eog;  // llama.cpp's end-of-generation set (decides two demotions below)

  for (const FimRole& role : kFimRoles) {
    int32_t id = key_id(role.key);
    if (id < 0) {
      for (const char* text : role.texts) {
        const int32_t t = vocab.find(text);
        if (t < 0) continue;
        make_control(t);
        if (id < 0) id = t;
      }
    }
    if (id >= 0 && role.ends_generation) eog.push_back(id);
  }
  for (const char* text : kEogTexts) {
    const int32_t t = vocab.find(text);
    if (t < 0) continue;
    eog.push_back(t);
    make_control(t);
  }
  for (const char* text : kAlwaysUserDefined)
    if (const int32_t t = vocab.find(text); t >= 0) types[t] = TokenType::kUserDefined;
  for (const char* key : {"tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id",
                          "tokenizer.ggml.eom_token_id"})
    if (const int32_t t = key_id(key); t >= 0) eog.push_back(t);

  std::sort(eog.begin(), eog.end());
  eog.erase(std::unique(eog.begin(), eog.end()), eog.end());
  auto eog_text = [&](const char* text) {
    const int32_t t = vocab.find(text);
    return t >= 0 && std::binary_search(eog.begin(), eog.end(), t) ? t : -1;
  };
  auto drop_eog = [&](int32_t t, TokenType type) {
    eog.erase(std::find(eog.begin(), eog.end(), t));
    types[t] = type;
  };
  // Harmony / solar-open: "<|end|>" ends a message, not the generation.
  const bool has_call = eog_text("<|call|>") >= 0 || eog_text("<|calls|>") >= 0;
  if (const int32_t end = eog_text("<|end|>");
      end >= 0 && has_call && (eog_text("<|return|>") >= 0 || eog_text("<|flush|>") >= 0))
    drop_eog(end, TokenType::kUserDefined);
  // Gemma 4: "</s>" is ordinary text.
  if (const int32_t s = eog_text("</s>"); s >= 0 && eog_text("<|tool_response>") >= 0)
    drop_eog(s, TokenType::kNormal);

  SpecialTokens out;
  // hearth's end-of-generation set is narrower than the list above (which llama.cpp also uses
  // for stopping): the file's eos/eot/eom ids and control tokens that mark the end of a turn.
  for (const char* key : {"tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id",
                          "tokenizer.ggml.eom_token_id"})
    if (const int32_t t = key_id(key); t >= 0) out.eog.push_back(t);
  for (const char* text : kEndOfTurnTexts) {
    const int32_t t = vocab.find(text);
    if (t >= 0 && (types[t] == TokenType::kControl || types[t] == TokenType::kUserDefined))
      out.eog.push_back(t);
  }
  std::sort(out.eog.begin(), out.eog.end());
  out.eog.erase(std::unique(out.eog.begin(), out.eog.end()), out.eog.end());
  for (int32_t i = 0; i < n; ++i)
    if ((types[i] == TokenType::kControl || types[i] == TokenType::kUserDefined ||
         types[i] == TokenType::kUnknown) &&
        !vocab[i].empty())
      out.ids.push_back(i);
  std::stable_sort(out.ids.begin(), out.ids.end(),
                   [&](int32_t a, int32_t b) { return vocab[a].size() > vocab[b].size(); });

  // Per-model strip attributes (the GGUF has no field for them).
  std::vector<uint8_t> strip(static_cast<size_t>(n), kStripNone);
  auto set = [&](const char* text, uint8_t bit, bool on) {
    if (const int32_t t = vocab.find(text); t >= 0)
      strip[t] = on ? (strip[t] | bit) : (strip[t] & ~bit);
  };
  std::string name = file.get_string("general.name").value_or("");
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::string pre = file.get_string("tokenizer.ggml.pre").value_or("");
  const std::string arch = file.get_string("general.architecture").value_or("");
  if (contains_any(pre, {"jina-v2-de", "jina-v2-es", "jina-v2-code"}) ||
      contains_any(arch, {"nomic-bert-moe", "jina-bert-v3"})) {
    set("<mask>", kStripLeft, true);
  } else if (contains_any(name, {"phi-3", "phi3"})) {
    for (int32_t t : out.ids) strip[t] |= kStripRight;
    set("</s>", kStripRight, true);
    for (const char* text : {"<unk>", "<s>", "<|endoftext|>"}) set(text, kStripRight, false);
  } else if (contains_any(name, {"modern-bert"})) {
    set("[MASK]", kStripLeft, true);
  }
  for (int32_t t : out.ids) out.strip.push_back(strip[t]);
  return out;
}

}  // namespace hearth::tok

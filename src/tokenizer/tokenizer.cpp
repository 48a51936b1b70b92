// Shared tokenizer logic: vocabulary loading, special-token partitioning, BOS/EOS, decoding.
#include "hearth/tokenizer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "tokenizer/families.hpp"
#include "tokenizer/special_tokens.hpp"
#include "tokenizer/string_table.hpp"
#include "tokenizer/unicode.hpp"

namespace hearth {

Tokenizer::~Tokenizer() = default;

std::shared_ptr<const Tokenizer> Tokenizer::from_gguf(const GgufFile& file) {
  const auto model = file.get_string("tokenizer.ggml.model");
  if (!model || !file.get_string_array("tokenizer.ggml.tokens")) return nullptr;
  if (*model == "llama" || *model == "gemma4") return tok::make_spm_tokenizer(file);
  if (*model == "gpt2") return tok::make_bpe_tokenizer(file);
  if (*model == "bert") return tok::make_wordpiece_tokenizer(file);
  fail(Status::kUnsupported, fmt::format("tokenizer model '{}' is not supported (supported: "
                                         "llama, gemma4, gpt2, bert)",
                                         *model));
}

void Tokenizer::load_common(const GgufFile& file) {
  tokens_ =
      std::make_unique<const tok::StringTable>(*file.get_string_array("tokenizer.ggml.tokens"));
  const size_t n = static_cast<size_t>(tokens_->size());
  if (n == 0) fail(Status::kInvalidModel, "tokenizer.ggml.tokens is empty");
  if (const GgufValue* v = file.find("tokenizer.ggml.scores")) {
    if (v->floats.size() != n)
      fail(Status::kInvalidModel, "tokenizer.ggml.scores does not match the vocabulary size");
    scores_.assign(v->floats.begin(), v->floats.end());
  } else {
    scores_.assign(n, 0.0f);
  }
  types_.assign(n, TokenType::kNormal);
  if (const GgufValue* v = file.find("tokenizer.ggml.token_type")) {
    if (v->ints.size() != n)
      fail(Status::kInvalidModel, "tokenizer.ggml.token_type does not match the vocabulary size");
    for (size_t i = 0; i < n; ++i) types_[i] = static_cast<TokenType>(v->ints[i]);
  }
  auto id = [&](const char* key, int32_t fallback) -> int32_t {
    const auto v = file.get_int(key);
    if (!v) return fallback;
    if (*v < 0 || *v >= static_cast<int64_t>(n)) return -1;  // e.g. 0xFFFFFFFF "none"
    return static_cast<int32_t>(*v);
  };
  bos_ = id("tokenizer.ggml.bos_token_id", -1);
  eos_ = id("tokenizer.ggml.eos_token_id", -1);
  unk_ = id("tokenizer.ggml.unknown_token_id", -1);
  sep_ = id("tokenizer.ggml.seperator_token_id", -1);

  // End-of-generation ids, tokens recognised as control by their text, the special tokens
  // split out of text and their strip attributes (special_tokens.hpp).
  tok::SpecialTokens special = tok::classify_special_tokens(file, *tokens_, types_);
  eog_ = std::move(special.eog);
  special_ = std::move(special.ids);
  special_strip_ = std::move(special.strip);
}

int32_t Tokenizer::find(std::string_view text) const {
  return tokens_->find(text);
}

std::string_view Tokenizer::text_of(int32_t token) const {
  return (*tokens_)[token];
}

std::string Tokenizer::token_text(int32_t token) const {
  if (token < 0 || token >= n_vocab())
    throw std::out_of_range(fmt::format("token {} is outside the vocabulary", token));
  return std::string(text_of(token));
}

bool Tokenizer::is_eog(int32_t token) const {
  return std::binary_search(eog_.begin(), eog_.end(), token);
}

bool Tokenizer::is_control(int32_t token) const {
  return token >= 0 && token < n_vocab() &&
         (types_[token] == TokenType::kControl || types_[token] == TokenType::kUnknown);
}

namespace {

struct Fragment {
  bool is_token;
  int32_t token;
  std::string_view text;
};

}  // namespace

std::vector<int32_t> Tokenizer::encode(std::string_view raw, bool add_special,
                                       bool parse_special) const {
  const std::string text = tok::sanitize_utf8(raw);
  // Split out special tokens, longest first, as llama.cpp does: user-defined tokens always,
  // control tokens only when parse_special.
  std::vector<Fragment> fragments;
  if (!text.empty()) fragments.push_back({false, -1, text});
  for (size_t k = 0; k < special_.size(); ++k) {
    const int32_t special = special_[k];
    const bool user_defined = types_[special] == TokenType::kUserDefined;
    if (!parse_special && !user_defined) continue;
    const std::string_view needle = text_of(special);
    // lstrip / rstrip: the token takes the ASCII white space before / after it along.
    const bool lstrip = special_strip_[k] & tok::kStripLeft;
    const bool rstrip = special_strip_[k] & tok::kStripRight;
    auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    std::vector<Fragment> next;
    for (const auto& f : fragments) {
      if (f.is_token) {
        next.push_back(f);
        continue;
      }
      size_t start = 0;
      while (true) {
        const size_t at = f.text.find(needle, start);
        if (at == std::string_view::npos) break;
        size_t left_end = at;
        while (lstrip && left_end > start && space(f.text[left_end - 1])) --left_end;
        if (left_end > start) next.push_back({false, -1, f.text.substr(start, left_end - start)});
        next.push_back({true, special, {}});
        start = at + needle.size();
        while (rstrip && start < f.text.size() && space(f.text[start])) ++start;
      }
      if (start < f.text.size()) next.push_back({false, -1, f.text.substr(start)});
    }
    fragments.swap(next);
  }

  std::vector<int32_t> out;
  if (add_special && add_bos_ && bos_ >= 0) out.push_back(bos_);
  bool prev_special = true;  // SPM prefixes a space to the first fragment and after specials
  for (const auto& f : fragments) {
    if (f.is_token) {
      out.push_back(f.token);
      prev_special = true;
    } else {
      encode_fragment(f.text, prev_special, out);
      prev_special = false;
    }
  }
  if (add_special && add_eos_ && eos_ >= 0) out.push_back(eos_);
  return out;
}

std::string Tokenizer::token_to_piece(int32_t token, bool special) const {
  if (token < 0 || token >= n_vocab())
    fail(Status::kInvalidArgument,
         fmt::format("token {} is out of range (vocabulary of {})", token, n_vocab()));
  const TokenType type = types_[token];
  if (type == TokenType::kControl || type == TokenType::kUnknown || type == TokenType::kUnused)
    return special && type != TokenType::kUnused ? std::string(text_of(token)) : std::string();
  if (type == TokenType::kUserDefined) return std::string(text_of(token));
  return piece_of(token);
}

std::string Tokenizer::decode(const std::vector<int32_t>& tokens, bool remove_special) const {
  std::string out;
  size_t start = 0;
  if (remove_special && !tokens.empty() && add_bos_ && tokens[0] == bos_) start = 1;
  for (size_t i = start; i < tokens.size(); ++i) {
    if (remove_special && i + 1 == tokens.size() && add_eos_ && tokens[i] == eos_) break;
    out += token_to_piece(tokens[i], !remove_special);
  }
  // SentencePiece adds a leading space to the text; take it back off.
  if (kind_ == Kind::kSpm && add_space_prefix_ && !out.empty() && out[0] == ' ') out.erase(0, 1);
  if (kind_ == Kind::kWordPiece && !out.empty() && out[0] == ' ') out.erase(0, 1);
  return out;
}

std::string StreamingDetokenizer::push(int32_t token) {
  // Pieces are raw: a generated continuation keeps its leading spaces.
  pending_ += tokenizer_.token_to_piece(token);
  const size_t keep = tok::incomplete_utf8_suffix(pending_);
  std::string ready = pending_.substr(0, pending_.size() - keep);
  pending_.erase(0, pending_.size() - keep);
  return tok::sanitize_utf8(ready);
}

std::string StreamingDetokenizer::flush() {
  std::string rest = tok::sanitize_utf8(pending_);
  pending_.clear();
  return rest;
}

}  // namespace hearth

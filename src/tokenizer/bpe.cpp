// Byte-level BPE (tokenizer.ggml.model == "gpt2"): pre-tokenize with the regexes of
// tokenizer.ggml.pre, map each piece's bytes to GPT-2's printable characters, then apply the
// merges of tokenizer.ggml.merges, lowest rank first.
#include <fmt/format.h>

#include <queue>

#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "tokenizer/families.hpp"
#include "tokenizer/merge_table.hpp"
#include "tokenizer/pretokenize.hpp"
#include "tokenizer/string_table.hpp"
#include "tokenizer/unicode.hpp"

namespace hearth::tok {
namespace {

class BpeTokenizer : public Tokenizer {
 public:
  explicit BpeTokenizer(const GgufFile& file)
      : pre_(file.get_string("tokenizer.ggml.pre").value_or("default")) {
    kind_ = Kind::kBpe;
    load_common(file);
    // Without the key, llama.cpp adds BOS for the Llama 3 family only.
    const std::string pre = file.get_string("tokenizer.ggml.pre").value_or("default");
    const bool llama3 =
        pre == "llama3" || pre == "llama-v3" || pre == "llama-bpe" || pre == "falcon3";
    add_bos_ = file.get_bool("tokenizer.ggml.add_bos_token").value_or(llama3);
    add_eos_ = file.get_bool("tokenizer.ggml.add_eos_token").value_or(false);
    ranks_ = load_merge_ranks(file, *tokens_);
    for (int b = 0; b < 256; ++b)
      byte_char_ids_[b] = find(byte_to_unicode(static_cast<uint8_t>(b)));
  }

 protected:
  void encode_fragment(std::string_view text, bool, std::vector<int32_t>& out) const override {
    for (std::string_view word : pre_.split(text)) encode_word(word, out);
  }

  std::string piece_of(int32_t token) const override {
    const std::string_view t = text_of(token);
    std::string out;
    for (size_t i = 0; i < t.size();) {
      const size_t len = std::min(utf8_len(static_cast<uint8_t>(t[i])), t.size() - i);
      const int byte = unicode_to_byte(t.substr(i, len));
      if (byte >= 0)
        out += static_cast<char>(byte);
      else
        out.append(t, i, len);
      i += len;
    }
    return out;
  }

 private:
  void encode_word(std::string_view word, std::vector<int32_t>& out) const {
    std::string mapped;
    for (char c : word) mapped += byte_to_unicode(static_cast<uint8_t>(c));
    if (pre_.ignore_merges()) {
      const int32_t whole = find(mapped);
      if (whole >= 0) {
        out.push_back(whole);
        return;
      }
    }
    // A symbol starts as the mapped character of one byte of `word`; `id` is the vocabulary id
    // of its text (-1 if none).
    struct Symbol {
      int prev, next;
      size_t start, len;
      int32_t id;
    };
    std::vector<Symbol> symbols;
    symbols.reserve(word.size());
    for (size_t i = 0, b = 0; b < word.size(); ++b) {
      const uint8_t byte = static_cast<uint8_t>(word[b]);
      const size_t len = byte_to_unicode(byte).size();
      const int idx = static_cast<int>(symbols.size());
      symbols.push_back({idx - 1, idx + 1, i, len, byte_char_ids_[byte]});
      i += len;
    }
    if (symbols.empty()) return;
    symbols.back().next = -1;

    struct Bigram {
      int left, right, rank;
      size_t len;
    };
    auto worse = [](const Bigram& a, const Bigram& b) {
      return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
    };
    std::priority_queue<Bigram, std::vector<Bigram>, decltype(worse)> queue(worse);
    const std::string_view text = mapped;
    auto try_add = [&](int left, int right) {
      if (left < 0 || right < 0) return;
      const Symbol& l = symbols[left];
      const Symbol& r = symbols[right];
      const int32_t rank =
          ranks_.rank(l.id, r.id, text.substr(l.start, l.len), text.substr(r.start, r.len));
      if (rank < 0) return;
      queue.push({left, right, rank, l.len + r.len});
    };
    for (size_t i = 1; i < symbols.size(); ++i)
      try_add(static_cast<int>(i - 1), static_cast<int>(i));
    while (!queue.empty()) {
      const Bigram b = queue.top();
      queue.pop();
      Symbol& l = symbols[b.left];
      Symbol& r = symbols[b.right];
      if (l.len == 0 || r.len == 0 || l.len + r.len != b.len || l.next != b.right) continue;
      l.len += r.len;
      r.len = 0;
      l.next = r.next;
      l.id = find(text.substr(l.start, l.len));
      if (r.next >= 0) symbols[r.next].prev = b.left;
      try_add(l.prev, b.left);
      try_add(b.left, l.next);
    }
    for (int i = 0; i >= 0; i = symbols[i].next) {
      const std::string_view piece = text.substr(symbols[i].start, symbols[i].len);
      const int32_t id = symbols[i].id;
      if (id >= 0) {
        out.push_back(id);
        continue;
      }
      // Not in the vocabulary: one token per (mapped) byte character.
      for (size_t k = 0; k < piece.size();) {
        const size_t len = std::min(utf8_len(static_cast<uint8_t>(piece[k])), piece.size() - k);
        const int32_t byte_id = find(piece.substr(k, len));
        if (byte_id >= 0)
          out.push_back(byte_id);
        else if (unk_ >= 0)
          out.push_back(unk_);
        k += len;
      }
    }
  }

  PreTokenizer pre_;
  MergeTable ranks_;
  int32_t byte_char_ids_[256];  // id of each byte's mapped character, -1 if none
};

}  // namespace

MergeTable load_merge_ranks(const GgufFile& file, const StringTable& vocab) {
  const auto* merges = file.get_string_array("tokenizer.ggml.merges");
  if (!merges)
    fail(Status::kInvalidModel, fmt::format("{} tokenizer without tokenizer.ggml.merges",
                                            file.get_string("tokenizer.ggml.model").value_or("?")));
  return MergeTable(*merges, vocab);
}

std::shared_ptr<const Tokenizer> make_bpe_tokenizer(const GgufFile& file) {
  return std::make_shared<BpeTokenizer>(file);
}

}  // namespace hearth::tok

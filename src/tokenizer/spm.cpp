// SentencePiece BPE (tokenizer.ggml.model == "llama"): spaces become U+2581, adjacent symbols
// are merged greedily by the score of the merged token, unknown characters fall back to
// <0xXX> byte tokens. Gemma 4 (tokenizer.ggml.model == "gemma4") uses the same symbols and
// byte fallback but ranks merges by tokenizer.ggml.merges (lowest rank first) instead of by
// token score, over the whole fragment (Hugging Face's BPE model with no pre-tokenizer).
#include <fmt/format.h>

#include <queue>

#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "tokenizer/families.hpp"
#include "tokenizer/merge_table.hpp"
#include "tokenizer/string_table.hpp"
#include "tokenizer/unicode.hpp"

namespace hearth::tok {
namespace {

const std::string kSpace = "\xE2\x96\x81";  // U+2581 LOWER ONE EIGHTH BLOCK

class SpmTokenizer : public Tokenizer {
 public:
  explicit SpmTokenizer(const GgufFile& file) {
    kind_ = Kind::kSpm;
    load_common(file);
    add_bos_ = file.get_bool("tokenizer.ggml.add_bos_token").value_or(true);
    add_eos_ = file.get_bool("tokenizer.ggml.add_eos_token").value_or(false);
    add_space_prefix_ = file.get_bool("tokenizer.ggml.add_space_prefix").value_or(true);
    for (int b = 0; b < 256; ++b) byte_tokens_[b] = find(fmt::format("<0x{:02X}>", b));
    if (file.get_string("tokenizer.ggml.model") == "gemma4")
      merge_ranks_ = load_merge_ranks(file, *tokens_);
  }

 protected:
  void encode_fragment(std::string_view fragment, bool after_special,
                       std::vector<int32_t>& out) const override {
    std::string text;
    if (add_space_prefix_ && after_special) text = kSpace;
    for (char c : fragment) {
      if (c == ' ')
        text += kSpace;
      else
        text += c;
    }
    // Symbols: a doubly linked list over the UTF-8 characters of `text`.
    struct Symbol {
      int prev, next;
      size_t start, len;
    };
    // Ranking by merges also tracks each symbol's vocabulary id (-1 if none), apart from the
    // symbols so that the score path keeps its smaller working set.
    const bool by_merges = !merge_ranks_.empty();
    std::vector<Symbol> symbols;
    std::vector<int32_t> ids;
    for (size_t i = 0; i < text.size();) {
      const size_t len = std::min(utf8_len(static_cast<uint8_t>(text[i])), text.size() - i);
      const int idx = static_cast<int>(symbols.size());
      symbols.push_back({idx - 1, idx + 1, i, len});
      if (by_merges) ids.push_back(find(std::string_view(text).substr(i, len)));
      i += len;
    }
    if (symbols.empty()) return;
    symbols.back().next = -1;

    struct Bigram {
      int left, right;
      float score;
      size_t len;
    };
    // Highest score first; on ties the leftmost pair.
    auto worse = [](const Bigram& a, const Bigram& b) {
      return a.score < b.score || (a.score == b.score && a.left > b.left);
    };
    std::priority_queue<Bigram, std::vector<Bigram>, decltype(worse)> queue(worse);
    auto try_add = [&](int left, int right) {
      if (left < 0 || right < 0) return;
      const std::string_view merged(text.data() + symbols[left].start,
                                    symbols[left].len + symbols[right].len);
      if (by_merges) {
        const int32_t rank =
            merge_ranks_.rank(ids[left], ids[right], merged.substr(0, symbols[left].len),
                              merged.substr(symbols[left].len));
        if (rank < 0) return;
        // Lower rank merges first; ranks < 2^24 are exact as floats.
        queue.push({left, right, -static_cast<float>(rank), merged.size()});
        return;
      }
      const int32_t id = find(merged);
      if (id < 0) return;
      queue.push({left, right, scores_[id], merged.size()});
    };
    for (size_t i = 1; i < symbols.size(); ++i)
      try_add(static_cast<int>(i - 1), static_cast<int>(i));
    while (!queue.empty()) {
      const Bigram b = queue.top();
      queue.pop();
      Symbol& l = symbols[b.left];
      Symbol& r = symbols[b.right];
      if (l.len == 0 || r.len == 0 || l.len + r.len != b.len) continue;  // stale entry
      l.len += r.len;
      r.len = 0;
      l.next = r.next;
      if (by_merges) ids[b.left] = find(std::string_view(text).substr(l.start, l.len));
      if (r.next >= 0) symbols[r.next].prev = b.left;
      try_add(l.prev, b.left);
      try_add(b.left, l.next);
    }
    for (int i = 0; i >= 0; i = symbols[i].next) {
      const std::string_view piece(text.data() + symbols[i].start, symbols[i].len);
      const int32_t id = by_merges ? ids[i] : find(piece);
      if (id >= 0) {
        out.push_back(id);
        continue;
      }
      for (char c : piece) {  // byte fallback
        const int32_t byte_id = byte_tokens_[static_cast<uint8_t>(c)];
        if (byte_id >= 0)
          out.push_back(byte_id);
        else if (unk_ >= 0)
          out.push_back(unk_);
      }
    }
  }

  std::string piece_of(int32_t token) const override {
    const std::string_view t = text_of(token);
    if (types_[token] == TokenType::kByte && t.size() == 6)
      return std::string(1, static_cast<char>(std::stoi(std::string(t.substr(3, 2)), nullptr, 16)));
    std::string out;
    for (size_t i = 0; i < t.size();) {
      if (t.compare(i, kSpace.size(), kSpace) == 0) {
        out += ' ';
        i += kSpace.size();
      } else {
        out += t[i++];
      }
    }
    return out;
  }

 private:
  int32_t byte_tokens_[256];
  MergeTable merge_ranks_;  // gemma4 only
};

}  // namespace

std::shared_ptr<const Tokenizer> make_spm_tokenizer(const GgufFile& file) {
  return std::make_shared<SpmTokenizer>(file);
}

}  // namespace hearth::tok

// WordPiece (tokenizer.ggml.model == "bert"): BERT's normalisation and word splitting
// (wordpiece_normalize.hpp), then greedy longest-match-first per word. GGUF stores word-initial
// pieces with a U+2581 prefix and continuations bare (the converter strips BERT's "##").
#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "tokenizer/families.hpp"
#include "tokenizer/wordpiece_normalize.hpp"

namespace hearth::tok {
namespace {

const std::string kWordStart = "\xE2\x96\x81";

class WordPieceTokenizer : public Tokenizer {
 public:
  explicit WordPieceTokenizer(const GgufFile& file) {
    kind_ = Kind::kWordPiece;
    load_common(file);
    // llama.cpp's defaults: lowercase, and strip accents when lowercasing.
    norm_.lowercase = file.get_bool("tokenizer.ggml.normalizer.lowercase").value_or(true);
    norm_.strip_accents =
        file.get_bool("tokenizer.ggml.normalizer.strip_accents").value_or(norm_.lowercase);
    add_bos_ = file.get_bool("tokenizer.ggml.add_bos_token").value_or(true);
    add_eos_ = file.get_bool("tokenizer.ggml.add_eos_token").value_or(true);
    if (add_eos_ && sep_ >= 0) eos_ = sep_;  // BERT ends with [SEP]
    if (const auto cls = file.get_int("tokenizer.ggml.cls_token_id"); cls && bos_ < 0)
      bos_ = static_cast<int32_t>(*cls);
  }

 protected:
  void encode_fragment(std::string_view text, bool, std::vector<int32_t>& out) const override {
    for (const std::string& normalized : wordpiece_words(text, norm_)) {
      const std::string word = kWordStart + normalized;
      const size_t first = out.size();
      bool unknown = false;
      for (size_t i = 0; i < word.size() && !unknown;) {
        size_t best_end = 0;
        int32_t best = -1;
        // Longest match first; `end` walks back over whole characters.
        for (size_t end = word.size(); end > i;) {
          const int32_t id = find(std::string_view(word).substr(i, end - i));
          if (id >= 0) {
            best = id;
            best_end = end;
            break;
          }
          do --end;
          while (end > i && (static_cast<uint8_t>(word[end]) & 0xC0) == 0x80);
        }
        if (best < 0)
          unknown = true;
        else {
          out.push_back(best);
          i = best_end;
        }
      }
      if (unknown) {
        out.resize(first);
        if (unk_ >= 0) out.push_back(unk_);
      }
    }
  }

  std::string piece_of(int32_t token) const override {
    const std::string_view t = text_of(token);
    if (t.compare(0, kWordStart.size(), kWordStart) == 0)
      return " " + std::string(t.substr(kWordStart.size()));
    return std::string(t);
  }

 private:
  WordPieceNormalizer norm_;
};

}  // namespace

std::shared_ptr<const Tokenizer> make_wordpiece_tokenizer(const GgufFile& file) {
  return std::make_shared<WordPieceTokenizer>(file);
}

}  // namespace hearth::tok

// WordPiece (tokenizer.ggml.model == "bert"): lowercase, split on whitespace and punctuation
// (each punctuation mark and CJK ideograph a word of its own), then greedy longest-match-first
// per word. GGUF stores word-initial pieces with a U+2581 prefix and continuations bare (the
// converter strips BERT's "##"). Lowercased text has its accents removed (no Unicode
// normalisation tables are linked): accents are stripped with a generated table
// (scripts/gen_strip_accents.py) equivalent to NFD + dropping combining marks.
#include <locale.h>
#include <algorithm>
#include <clocale>
#include <cwctype>

#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "tokenizer/families.hpp"
#include "tokenizer/pretokenize.hpp"
#include "tokenizer/unicode.hpp"

namespace hearth::tok {
namespace {

const std::string kWordStart = "\xE2\x96\x81";

const char* const kPunct = R"(\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E)";
const char* const kCjkIdeographs =
    R"(\x{4E00}-\x{9FFF}\x{3400}-\x{4DBF}\x{20000}-\x{2A6DF}\x{F900}-\x{FAFF}\x{2F800}-\x{2FA1F})";

uint32_t decode_cpt(std::string_view s, size_t i, size_t len) {
  static constexpr uint8_t kMask[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
  uint32_t c = static_cast<uint8_t>(s[i]) & kMask[len];
  for (size_t k = 1; k < len; ++k) c = (c << 6) | (static_cast<uint8_t>(s[i + k]) & 0x3F);
  return c;
}

struct AccentEntry {
  uint32_t cpt, base;
};
constexpr AccentEntry kAccents[] = {
#include "tokenizer/strip_accents_table.inc"
};

// Base letter of `c` without its accents; 0 for a lone combining mark.
uint32_t strip_accent(uint32_t c) {
  const auto* end = kAccents + sizeof(kAccents) / sizeof(kAccents[0]);
  const auto* it = std::lower_bound(kAccents, end, c,
                                    [](const AccentEntry& e, uint32_t v) { return e.cpt < v; });
  return it != end && it->cpt == c ? it->base : c;
}

// BERT's normalisation: lowercase, then strip accents.
std::string normalize(std::string_view word) {
  static locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
  std::string out;
  for (size_t i = 0; i < word.size();) {
    const size_t len = std::min(utf8_len(static_cast<uint8_t>(word[i])), word.size() - i);
    uint32_t c = decode_cpt(word, i, len);
    if (c < 0x80)
      c = static_cast<uint32_t>(std::tolower(static_cast<int>(c)));
    else if (utf8)
      c = static_cast<uint32_t>(towlower_l(static_cast<wint_t>(c), utf8));
    if (c >= 0x80) c = strip_accent(c);
    if (c != 0) out += cpt_to_utf8(c);
    i += len;
  }
  return out;
}

class WordPieceTokenizer : public Tokenizer {
 public:
  explicit WordPieceTokenizer(const GgufFile& file)
      : words_({std::string(R"(\p{P}|[)") + kPunct + "]|[" + kCjkIdeographs + R"(]|[^\s\p{P})" +
                kPunct + kCjkIdeographs + "]+"},
               false) {
    kind_ = Kind::kWordPiece;
    load_common(file);
    add_bos_ = file.get_bool("tokenizer.ggml.add_bos_token").value_or(true);
    add_eos_ = file.get_bool("tokenizer.ggml.add_eos_token").value_or(true);
    if (add_eos_ && sep_ >= 0) eos_ = sep_;  // BERT ends with [SEP]
    if (const auto cls = file.get_int("tokenizer.ggml.cls_token_id"); cls && bos_ < 0)
      bos_ = static_cast<int32_t>(*cls);
  }

 protected:
  void encode_fragment(std::string_view text, bool, std::vector<int32_t>& out) const override {
    for (std::string_view piece : words_.split(text)) {
      bool blank = true;
      for (char c : piece) blank = blank && std::isspace(static_cast<unsigned char>(c));
      if (blank) continue;
      const std::string word = kWordStart + normalize(piece);
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
  PreTokenizer words_;
};

}  // namespace

std::shared_ptr<const Tokenizer> make_wordpiece_tokenizer(const GgufFile& file) {
  return std::make_shared<WordPieceTokenizer>(file);
}

}  // namespace hearth::tok

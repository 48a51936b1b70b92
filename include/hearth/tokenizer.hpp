// hearth::Tokenizer — text <-> token ids from a GGUF file's tokenizer.ggml.* metadata.
//
// Families (tokenizer.ggml.model):
//   "llama"  SentencePiece BPE with byte fallback (Llama 2, Phi-3, TinyStories, stories260K)
//   "gpt2"   byte-level BPE; the pre-tokenizer regexes are chosen by tokenizer.ggml.pre
//   "bert"   WordPiece (BERT, BGE)
// Defined behaviour on odd input: invalid UTF-8 bytes are tokenized as U+FFFD (the replacement
// character) for SPM/BPE; embedded NULs are ordinary characters; an empty text gives no tokens
// (plus BOS/EOS when add_special asks for them).
// Thread-safety: a Tokenizer is immutable after construction; all methods are const.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hearth {

class GgufFile;
namespace tok {
class StringTable;
}

enum class TokenType : int32_t {  // llama.cpp's token_type values
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

class Tokenizer {
 public:
  enum class Kind { kSpm, kBpe, kWordPiece };

  // Throws hearth::Error kInvalidModel / kUnsupported; nullptr when the file has no tokenizer.
  static std::shared_ptr<const Tokenizer> from_gguf(const GgufFile& file);
  virtual ~Tokenizer();

  std::vector<int32_t> encode(std::string_view text, bool add_special, bool parse_special) const;
  // Raw bytes of one token (control tokens give "" unless `special`).
  std::string token_to_piece(int32_t token, bool special = false) const;
  std::string decode(const std::vector<int32_t>& tokens, bool remove_special = true) const;

  Kind kind() const { return kind_; }
  int32_t n_vocab() const { return static_cast<int32_t>(types_.size()); }
  int32_t bos() const { return bos_; }
  int32_t eos() const { return eos_; }
  bool add_bos() const { return add_bos_; }
  bool add_eos() const { return add_eos_; }
  bool is_eog(int32_t token) const;
  const std::vector<int32_t>& eog_tokens() const { return eog_; }
  bool is_control(int32_t token) const;
  // The vocabulary's text of `token`; throws std::out_of_range for an id outside it.
  std::string token_text(int32_t token) const;
  int32_t find(std::string_view text) const;  // -1 if absent

 protected:
  Tokenizer() = default;
  // Reads the vocabulary, scores, types and special ids shared by every family.
  void load_common(const GgufFile& file);
  // Encodes one fragment of plain text (no special tokens inside).
  virtual void encode_fragment(std::string_view text, bool at_start,
                               std::vector<int32_t>& out) const = 0;
  virtual std::string piece_of(int32_t token) const = 0;

  Kind kind_ = Kind::kSpm;
  std::string_view text_of(int32_t token) const;    // no range check
  std::unique_ptr<const tok::StringTable> tokens_;  // token texts and text -> id
  std::vector<float> scores_;
  std::vector<TokenType> types_;
  int32_t bos_ = -1, eos_ = -1, unk_ = -1, sep_ = -1;
  bool add_bos_ = false, add_eos_ = false, add_space_prefix_ = true;
  std::vector<int32_t> eog_;
  std::vector<int32_t> special_;        // control + user-defined tokens, longest text first
  std::vector<uint8_t> special_strip_;  // lstrip/rstrip bits per special_ entry
};

// Turns a stream of token ids into text that never ends inside a UTF-8 sequence.
class StreamingDetokenizer {
 public:
  explicit StreamingDetokenizer(const Tokenizer& tokenizer) : tokenizer_(tokenizer) {}
  // Returns the text that is complete after `token` (possibly empty).
  std::string push(int32_t token);
  // Whatever is still pending (an incomplete sequence is returned as U+FFFD).
  std::string flush();

 private:
  const Tokenizer& tokenizer_;
  std::string pending_;
};

}  // namespace hearth

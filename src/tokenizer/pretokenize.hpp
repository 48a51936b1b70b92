// Pre-tokenization of byte-level BPE: the regex sequence named by tokenizer.ggml.pre, run with
// PCRE2 (UTF + Unicode properties, JIT). Each regex splits every current piece further; text
// between matches stays a piece of its own (llama.cpp's and Hugging Face's behaviour).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::tok {

class PreTokenizer {
 public:
  // Throws kUnsupported for an unknown pre-tokenizer name.
  explicit PreTokenizer(const std::string& pre_name);
  // Explicit regex sequence.
  PreTokenizer(const std::vector<std::string>& patterns, bool ignore_merges);
  ~PreTokenizer();
  PreTokenizer(const PreTokenizer&) = delete;
  PreTokenizer& operator=(const PreTokenizer&) = delete;

  // Splits valid UTF-8 `text` into pieces (views into `text`).
  std::vector<std::string_view> split(std::string_view text) const;
  // llama.cpp's llama3-family rule: a word that is itself a token skips the merges.
  bool ignore_merges() const { return ignore_merges_; }

 private:
  void compile(const std::vector<std::string>& patterns);
  struct Compiled;
  std::vector<std::unique_ptr<Compiled>> regexes_;
  bool ignore_merges_ = false;
};

}  // namespace hearth::tok

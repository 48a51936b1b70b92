// Token id -> bytes from tokenizer.ggml.tokens, enough to stream text before the full tokenizer
// (src/tokenizer) is wired in: SentencePiece "▁" -> space and <0xNN> byte tokens; GPT-2
// byte-level tokens mapped back to bytes.
#pragma once

#include <string>
#include <vector>

#include "hearth/gguf.hpp"

namespace hearth {

class PieceTable {
 public:
  explicit PieceTable(const GgufFile& file);
  // The bytes of `token` ("" for ids outside the table or control tokens).
  const std::string& piece(int token) const;

 private:
  std::vector<std::string> pieces_;
  std::string empty_;
};

// Length of the longest prefix of s that does not end inside a UTF-8 sequence.
size_t complete_utf8_prefix(const std::string& s);

}  // namespace hearth

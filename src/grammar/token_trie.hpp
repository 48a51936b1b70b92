// TokenTrie — the vocabulary's token byte strings, computed once per vocabulary, as a trie laid
// out in preorder so the grammar mask is one linear pass: a node whose byte kills the parse
// skips its whole subtree (every token sharing that prefix) with one jump.
//
// Token bytes are what llama.cpp's grammar sampler sees: the piece with special tokens
// rendered (token_to_piece(t, special=true)), cut at the first NUL (llama.cpp decodes it as
// a C string); tokens whose piece is empty or starts with NUL are never allowed, and
// end-of-generation tokens are handled apart (allowed exactly when the grammar can end).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace hearth {
class Tokenizer;
}

namespace hearth::grammar {

class TokenTrie {
 public:
  struct Node {
    uint32_t end;        // index of the first node after this node's subtree
    uint32_t tok_begin;  // tokens ending here: tokens_[tok_begin, tok_end)
    uint32_t tok_end;
    uint16_t depth;  // 1 for a first byte
    uint8_t byte;
  };

  // pieces[t]: token t's bytes; eog[t]: t ends generation.
  TokenTrie(const std::vector<std::string>& pieces, const std::vector<bool>& eog);

  // Built once per tokenizer and shared (a cache keyed by the tokenizer's address).
  static std::shared_ptr<const TokenTrie> for_tokenizer(const Tokenizer& tokenizer);

  int32_t n_vocab() const { return static_cast<int32_t>(pieces_.size()); }
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<int32_t>& tokens() const { return tokens_; }
  const std::vector<int32_t>& eog_tokens() const { return eog_; }
  bool is_eog(int32_t t) const { return is_eog_[static_cast<size_t>(t)]; }
  // The bytes the grammar consumes for token t (empty: never allowed unless end-of-generation).
  const std::string& bytes(int32_t t) const { return pieces_[static_cast<size_t>(t)]; }
  size_t max_depth() const { return max_depth_; }

 private:
  std::vector<std::string> pieces_;
  std::vector<bool> is_eog_;
  std::vector<int32_t> eog_;
  std::vector<Node> nodes_;
  std::vector<int32_t> tokens_;
  size_t max_depth_ = 0;
};

}  // namespace hearth::grammar

// TokenTrie — the vocabulary's token byte strings, computed once per vocabulary, as a trie the
// grammar mask walks depth first from the grammar's state: a byte that kills every parse prunes
// its whole subtree (every token sharing that prefix) at once.
//
// Layout, for the mask's memory traffic (a decode step between two masks evicts everything from
// the caches, so the walk runs mostly on cold memory): nodes are numbered in preorder (a walk
// that goes everywhere, as inside a JSON string, reads the node table front to back), and each
// node's children are listed together (their bytes in one small array), so a walk from a state
// that kills most bytes (between JSON values) reads a node's child bytes in a cache line or
// four, instead of one scattered node record per child.
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
  // Node 0 is the root (the empty prefix); a sentinel after the last node closes the ranges:
  // node n's children are child_bytes()/child_nodes()[n.child_begin, (n+1).child_begin), its
  // tokens (those whose bytes end here) tokens()[n.tok_begin, (n+1).tok_begin).
  struct Node {
    uint32_t child_begin;
    uint32_t tok_begin;
  };

  // pieces[t]: token t's bytes; eog[t]: t ends generation.
  TokenTrie(const std::vector<std::string>& pieces, const std::vector<bool>& eog);

  // Built once per tokenizer and shared (a cache keyed by the tokenizer's address).
  static std::shared_ptr<const TokenTrie> for_tokenizer(const Tokenizer& tokenizer);

  int32_t n_vocab() const { return static_cast<int32_t>(pieces_.size()); }
  const std::vector<Node>& nodes() const { return nodes_; }  // with the sentinel
  const std::vector<uint8_t>& child_bytes() const { return child_bytes_; }
  const std::vector<uint32_t>& child_nodes() const { return child_nodes_; }
  const std::vector<int32_t>& tokens() const { return tokens_; }
  const std::vector<int32_t>& eog_tokens() const { return eog_; }
  bool is_eog(int32_t t) const { return is_eog_[static_cast<size_t>(t)]; }
  // The bytes the grammar consumes for token t (empty: never allowed unless end-of-generation).
  const std::string& bytes(int32_t t) const { return pieces_[static_cast<size_t>(t)]; }
  size_t max_depth() const { return max_depth_; }  // bytes of the longest token in the trie

 private:
  std::vector<std::string> pieces_;
  std::vector<bool> is_eog_;
  std::vector<int32_t> eog_;
  std::vector<Node> nodes_;
  std::vector<uint8_t> child_bytes_;
  std::vector<uint32_t> child_nodes_;
  std::vector<int32_t> tokens_;
  size_t max_depth_ = 0;
};

}  // namespace hearth::grammar

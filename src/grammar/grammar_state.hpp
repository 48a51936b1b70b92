// GrammarState — one generation's progress through a grammar, against one vocabulary: which
// tokens may come next (the mask), whether a single token may, and advancing on the accepted
// token. Semantics are llama.cpp's grammar sampler's: a token is allowed when its bytes can be
// consumed by some parse (a trailing partial UTF-8 sequence must be completable), an
// end-of-generation token exactly when some parse has finished.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "grammar/gbnf.hpp"
#include "grammar/matcher.hpp"
#include "grammar/token_trie.hpp"

namespace hearth::grammar {

class GrammarState {
 public:
  GrammarState(const Grammar& grammar, std::shared_ptr<const TokenTrie> vocab);

  // allowed[t] = 1 for each token that may come next, 0 otherwise (size n_vocab). Returns the
  // number allowed. Cost: one pass over the trie nodes that some parse can reach.
  size_t fill_mask(std::vector<uint8_t>& allowed);
  // Sets logits[t] = -INFINITY for every disallowed token t < n_logits (tokens past the
  // vocabulary are disallowed). Throws Error(kInvalidArgument) when nothing is allowed.
  void apply(float* logits, int n_logits);
  bool allows(int32_t token);
  // Advances past `token`; throws Error(kInvalidArgument) when the grammar does not allow it.
  void accept(int32_t token);
  // Advances past raw text (a lazy grammar's trigger and what followed it in the same token):
  // false, with the state unchanged, when the grammar does not admit it.
  bool accept_text(const std::string& text);
  bool can_end() const { return matcher_.can_end(state_); }
  // Nothing but the end is possible: generation should stop.
  bool finished() const { return matcher_.only_end(state_); }

 private:
  GrammarMatcher matcher_;
  std::shared_ptr<const TokenTrie> vocab_;
  int32_t state_;
  std::vector<int32_t> path_;  // per trie depth: the state after that many bytes
  std::vector<uint8_t> mask_;
  // Masks by state: a parse inside a JSON string or a repeated structure returns to the same
  // state, whose mask is then a copy instead of a trie walk. Dropped when full or compacted.
  struct CachedMask {
    std::vector<uint8_t> allowed;
    size_t n;
  };
  std::unordered_map<int32_t, CachedMask> mask_cache_;
};

}  // namespace hearth::grammar

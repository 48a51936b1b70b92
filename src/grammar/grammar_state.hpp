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
  // Masks of up to `cached_masks` states are kept (least recently used first out). 0: no mask
  // cache and no merging of equivalent matcher states — the plain computation, for tests that
  // check the caches change nothing.
  static constexpr size_t kDefaultCachedMasks = 256;  // ~19 KB each for a 150k vocabulary
  GrammarState(const Grammar& grammar, std::shared_ptr<const TokenTrie> vocab,
               size_t cached_masks = kDefaultCachedMasks);

  // allowed[t] = 1 for each token that may come next, 0 otherwise (size n_vocab). Returns the
  // number allowed. Cost: a depth-first walk over the trie nodes that some parse can reach
  // (and the bytes of their children), or a copy when this state's mask is cached.
  size_t fill_mask(std::vector<uint8_t>& allowed);
  // The same as a bitset (bit t of word t / 64), valid until the next call; *n_allowed gets
  // the number of allowed tokens.
  const std::vector<uint64_t>& mask_bits(size_t* n_allowed);
  // mask_bits, or Error(kInvalidArgument) naming what the grammar expects when no token is
  // allowed.
  const std::vector<uint64_t>& nonempty_mask_bits();
  // Sets logits[t] = -INFINITY for every disallowed token t < n_logits (tokens past the
  // vocabulary are disallowed). Throws Error(kInvalidArgument) when nothing is allowed.
  void apply(float* logits, int n_logits);
  // The greedy choice under the mask without writing the logits: the lowest id of the largest
  // logit among allowed tokens (+INFINITY counting as the largest finite float, as the
  // sampler's candidates do), or -1 when no allowed token has a logit above -INFINITY (then
  // apply() and the candidates say why).
  int32_t best_allowed(const float* logits, int n_logits);
  bool allows(int32_t token);
  // Advances past `token`; throws Error(kInvalidArgument) when the grammar does not allow it.
  void accept(int32_t token);
  // Advances past raw text (a lazy grammar's trigger and what followed it in the same token):
  // false, with the state unchanged, when the grammar does not admit it.
  bool accept_text(const std::string& text);
  bool can_end() const { return matcher_.can_end(state_); }
  // Masks served from the cache so far (for tests: a cache that is never hit proves nothing).
  size_t cache_hits() const { return cache_hits_; }
  // Nothing but the end is possible: generation should stop.
  bool finished() const { return matcher_.only_end(state_); }

 private:
  GrammarMatcher matcher_;
  std::shared_ptr<const TokenTrie> vocab_;
  int32_t state_;
  // The walk's stack, one frame per trie depth: the children of that node still to try, from
  // the state after its bytes (and that state's transition row).
  struct Frame {
    uint32_t next, end;
    int32_t state, row;
  };
  std::vector<Frame> frames_;
  size_t cached_masks_;
  // Masks by state (the matcher interns states canonically, so equal parse situations have
  // equal ids): a parse that returns to a state — whitespace runs, a repeated structure, the
  // same schema generated again — gets a copy instead of a trie walk. Least recently used
  // entries go first; all are dropped when the matcher compacts (ids are renumbered).
  struct CachedMask {
    int32_t state = -1;
    uint64_t last_used = 0;
    size_t n = 0;
    std::vector<uint64_t> bits;
  };
  std::vector<CachedMask> mask_cache_;
  std::unordered_map<int32_t, size_t> mask_index_;  // state -> slot in mask_cache_
  uint64_t clock_ = 0;
  size_t cache_hits_ = 0;
  std::vector<uint64_t> bits_;  // the current mask when it is not cached
  size_t walk(std::vector<uint64_t>& bits);
};

}  // namespace hearth::grammar

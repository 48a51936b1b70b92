#include "grammar/grammar_state.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
#endif

#include "hearth/error.hpp"

namespace hearth::grammar {
namespace {

// Caches are dropped (the current state kept) past this many interned states: a bound on
// memory for long generations, far above what one step of a JSON grammar creates.
constexpr size_t kCompactStates = 1 << 18;

// Index of the lowest set bit of a non-zero word.
inline size_t lowest_bit(uint64_t word) {
#if defined(_MSC_VER) && !defined(__clang__)
  unsigned long i;
  _BitScanForward64(&i, word);
  return i;
#else
  return static_cast<size_t>(__builtin_ctzll(word));
#endif
}

}  // namespace

GrammarState::GrammarState(const Grammar& grammar, std::shared_ptr<const TokenTrie> vocab,
                           size_t cached_masks)
    : matcher_(grammar, cached_masks > 0),
      vocab_(std::move(vocab)),
      state_(matcher_.initial()),
      cached_masks_(cached_masks) {
  frames_.resize(vocab_->max_depth() + 1);
}

// Depth first over the trie nodes that some parse can reach from state_: a node's child bytes
// are stepped in a row (one transition row of the matcher per node), and only the children that
// survive are entered.
size_t GrammarState::walk(std::vector<uint64_t>& bits) {
  bits.assign((static_cast<size_t>(vocab_->n_vocab()) + 63) / 64, 0);
  auto set = [&bits](int32_t t) {
    bits[static_cast<size_t>(t) >> 6] |= uint64_t{1} << (static_cast<uint32_t>(t) & 63);
  };
  size_t n = 0;
  if (matcher_.can_end(state_))
    for (int32_t t : vocab_->eog_tokens()) set(t), ++n;
  const TokenTrie::Node* nodes = vocab_->nodes().data();
  const uint8_t* child_bytes = vocab_->child_bytes().data();
  const uint32_t* child_nodes = vocab_->child_nodes().data();
  const int32_t* tokens = vocab_->tokens().data();
  Frame* frames = frames_.data();
  frames[0] = {nodes[0].child_begin, nodes[1].child_begin, state_, matcher_.row_of(state_)};
  size_t depth = 0;
  for (;;) {
    Frame& f = frames[depth];
    if (f.next == f.end) {
      if (depth == 0) break;
      --depth;
      continue;
    }
    const uint32_t j = f.next++;
    const int32_t s = matcher_.step_in_row(f.state, f.row, child_bytes[j]);
    if (s == kDead) continue;  // no token with this prefix can be allowed
    const uint32_t c = child_nodes[j];
    const uint32_t tok_begin = nodes[c].tok_begin, tok_end = nodes[c + 1].tok_begin;
    if (tok_begin != tok_end && matcher_.token_may_end(s)) {
      for (uint32_t k = tok_begin; k < tok_end; ++k) set(tokens[k]);
      n += tok_end - tok_begin;
    }
    const uint32_t child_begin = nodes[c].child_begin, child_end = nodes[c + 1].child_begin;
    if (child_begin != child_end) frames[++depth] = {child_begin, child_end, s, matcher_.row_of(s)};
  }
  return n;
}

const std::vector<uint64_t>& GrammarState::mask_bits(size_t* n_allowed) {
  if (cached_masks_ == 0) {
    *n_allowed = walk(bits_);
    return bits_;
  }
  const uint64_t now = ++clock_;
  const auto hit = mask_index_.find(state_);
  if (hit != mask_index_.end()) {
    CachedMask& c = mask_cache_[hit->second];
    c.last_used = now;
    ++cache_hits_;
    *n_allowed = c.n;
    return c.bits;
  }
  size_t slot = mask_cache_.size();
  if (slot < cached_masks_) {
    mask_cache_.emplace_back();
  } else {
    slot = 0;  // the least recently used entry makes room
    for (size_t i = 1; i < mask_cache_.size(); ++i)
      if (mask_cache_[i].last_used < mask_cache_[slot].last_used) slot = i;
    mask_index_.erase(mask_cache_[slot].state);
  }
  CachedMask& c = mask_cache_[slot];
  c.n = walk(c.bits);
  c.state = state_;
  c.last_used = now;
  mask_index_[state_] = slot;
  *n_allowed = c.n;
  return c.bits;
}

size_t GrammarState::fill_mask(std::vector<uint8_t>& allowed) {
  size_t n = 0;
  const std::vector<uint64_t>& bits = mask_bits(&n);
  allowed.assign(static_cast<size_t>(vocab_->n_vocab()), 0);
  for (size_t t = 0; t < allowed.size(); ++t) allowed[t] = (bits[t >> 6] >> (t & 63)) & 1;
  return n;
}

const std::vector<uint64_t>& GrammarState::nonempty_mask_bits() {
  size_t n = 0;
  const std::vector<uint64_t>& bits = mask_bits(&n);
  if (n == 0)
    fail(Status::kInvalidArgument,
         fmt::format("grammar: no token of the vocabulary can continue the text here (the "
                     "grammar expects {})",
                     matcher_.describe_expected(state_)));
  return bits;
}

void GrammarState::apply(float* logits, int n_logits) {
  const std::vector<uint64_t>& bits = nonempty_mask_bits();
  const auto count = static_cast<size_t>(std::max(n_logits, 0));
  const size_t in_vocab = std::min(count, static_cast<size_t>(vocab_->n_vocab()));
  for (size_t w = 0; w * 64 < in_vocab; ++w) {
    const size_t begin = w * 64, end = std::min(begin + 64, in_vocab);
    const uint64_t word = bits[w];
    if (word == ~uint64_t{0} && end - begin == 64) continue;
    if (word == 0) {
      std::fill(logits + begin, logits + end, -INFINITY);
      continue;
    }
    for (size_t t = begin; t < end; ++t)
      if (!((word >> (t - begin)) & 1)) logits[t] = -INFINITY;
  }
  std::fill(logits + in_vocab, logits + count, -INFINITY);  // past the vocabulary
}

int32_t GrammarState::best_allowed(const float* logits, int n_logits) {
  size_t n = 0;
  const std::vector<uint64_t>& bits = mask_bits(&n);
  const size_t in_vocab =
      std::min(static_cast<size_t>(std::max(n_logits, 0)), static_cast<size_t>(vocab_->n_vocab()));
  int32_t best = -1;
  float best_logit = -INFINITY;
  for (size_t w = 0; w * 64 < in_vocab; ++w) {
    for (uint64_t word = bits[w]; word != 0; word &= word - 1) {
      const size_t t = w * 64 + lowest_bit(word);
      if (t >= in_vocab) break;
      float l = logits[t];
      if (!(l > -INFINITY)) continue;  // -INFINITY or NaN: banned, as the candidates drop them
      if (l == INFINITY) l = std::numeric_limits<float>::max();
      if (l > best_logit) {  // ascending ids: the first of equal logits stays
        best_logit = l;
        best = static_cast<int32_t>(t);
      }
    }
  }
  return best;
}

bool GrammarState::allows(int32_t token) {
  if (token < 0 || token >= vocab_->n_vocab()) return false;
  if (vocab_->is_eog(token)) return matcher_.can_end(state_);
  const std::string& bytes = vocab_->bytes(token);
  if (bytes.empty()) return false;
  int32_t s = state_;
  for (char c : bytes) {
    s = matcher_.step(s, static_cast<uint8_t>(c));
    if (s == kDead) return false;
  }
  return matcher_.token_may_end(s);
}

void GrammarState::accept(int32_t token) {
  if (!allows(token))
    fail(Status::kInvalidArgument,
         fmt::format("grammar: token {} is not allowed here (the grammar expects {})", token,
                     matcher_.describe_expected(state_)));
  if (vocab_->is_eog(token)) return;
  int32_t s = state_;
  for (char c : vocab_->bytes(token)) s = matcher_.step(s, static_cast<uint8_t>(c));
  state_ = matcher_.at_token_boundary(s);
  if (matcher_.n_states() > kCompactStates) {
    state_ = matcher_.compact(state_);
    mask_cache_.clear();  // state ids were renumbered
    mask_index_.clear();
  }
}

bool GrammarState::accept_text(const std::string& text) {
  int32_t s = state_;
  for (char c : text) {
    s = matcher_.step(s, static_cast<uint8_t>(c));
    if (s == kDead) return false;
  }
  if (!matcher_.token_may_end(s)) return false;
  state_ = matcher_.at_token_boundary(s);
  return true;
}

}  // namespace hearth::grammar

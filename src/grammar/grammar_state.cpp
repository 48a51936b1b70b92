#include "grammar/grammar_state.hpp"

#include <fmt/format.h>

#include <cmath>

#include "hearth/error.hpp"

namespace hearth::grammar {
namespace {

// Caches are dropped (the current state kept) past this many interned states: a bound on
// memory for long generations, far above what one step of a JSON grammar creates.
constexpr size_t kCompactStates = 1 << 18;
constexpr size_t kCachedMasks = 64;  // 64 x n_vocab bytes: ~10 MB for a 150k vocabulary

}  // namespace

GrammarState::GrammarState(const Grammar& grammar, std::shared_ptr<const TokenTrie> vocab)
    : matcher_(grammar), vocab_(std::move(vocab)), state_(matcher_.initial()) {
  path_.resize(vocab_->max_depth() + 1);
}

size_t GrammarState::fill_mask(std::vector<uint8_t>& allowed) {
  const auto hit = mask_cache_.find(state_);
  if (hit != mask_cache_.end()) {
    allowed = hit->second.allowed;
    return hit->second.n;
  }
  allowed.assign(static_cast<size_t>(vocab_->n_vocab()), 0);
  size_t n = 0;
  if (matcher_.can_end(state_))
    for (int32_t t : vocab_->eog_tokens()) allowed[static_cast<size_t>(t)] = 1, ++n;
  const auto& nodes = vocab_->nodes();
  const auto& tokens = vocab_->tokens();
  path_[0] = state_;
  for (size_t i = 0; i < nodes.size();) {
    const TokenTrie::Node& node = nodes[i];
    const int32_t s = matcher_.step(path_[node.depth - 1u], node.byte);
    if (s == kDead) {
      i = node.end;  // no token with this prefix can be allowed
      continue;
    }
    path_[node.depth] = s;
    if (node.tok_begin != node.tok_end && matcher_.token_may_end(s)) {
      for (uint32_t k = node.tok_begin; k < node.tok_end; ++k)
        allowed[static_cast<size_t>(tokens[k])] = 1;
      n += node.tok_end - node.tok_begin;
    }
    ++i;
  }
  if (mask_cache_.size() >= kCachedMasks) mask_cache_.clear();
  mask_cache_[state_] = {allowed, n};
  return n;
}

void GrammarState::apply(float* logits, int n_logits) {
  const size_t n = fill_mask(mask_);
  if (n == 0)
    fail(Status::kInvalidArgument,
         fmt::format("grammar: no token of the vocabulary can continue the text here (the "
                     "grammar expects {})",
                     matcher_.describe_expected(state_)));
  for (int t = 0; t < n_logits; ++t)
    if (static_cast<size_t>(t) >= mask_.size() || !mask_[static_cast<size_t>(t)])
      logits[t] = -INFINITY;
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

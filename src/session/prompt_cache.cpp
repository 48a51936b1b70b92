#include "session/prompt_cache.hpp"

#include <algorithm>

namespace hearth {

size_t common_prefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

void PromptCache::insert(PromptCacheEntry entry) {
  if (entry.tokens.empty() || entry.bytes() > budget_) return;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (common_prefix(it->tokens, entry.tokens) == it->tokens.size()) {
      bytes_ -= it->bytes();
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  bytes_ += entry.bytes();
  entries_.push_front(std::move(entry));
  while (bytes_ > budget_) {
    bytes_ -= entries_.back().bytes();
    entries_.pop_back();
  }
}

const PromptCacheEntry* PromptCache::find(const std::vector<int32_t>& tokens, size_t at_least,
                                          size_t* shared) {
  auto best = entries_.end();
  size_t best_len = at_least;
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    const size_t len = common_prefix(it->tokens, tokens);
    if (len > best_len) {
      best = it;
      best_len = len;
    }
  }
  if (best == entries_.end()) return nullptr;
  entries_.splice(entries_.begin(), entries_, best);  // now the most recent
  if (shared) *shared = best_len;
  return &entries_.front();
}

}  // namespace hearth

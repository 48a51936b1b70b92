// PromptCache: the KV state of conversations a session has left (reset or replaced), kept
// within a byte budget and evicted least-recently-used first, so that coming back to one
// restores its evaluated prefix instead of recomputing it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <vector>

namespace hearth {

// Number of leading tokens `a` and `b` share.
size_t common_prefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b);

struct PromptCacheEntry {
  std::vector<int32_t> tokens;  // the sequence whose KV rows `kv` holds
  std::vector<uint16_t> kv;     // Context::export_kv(tokens.size())
  size_t bytes() const { return tokens.size() * sizeof(int32_t) + kv.size() * sizeof(uint16_t); }
};

class PromptCache {
 public:
  explicit PromptCache(size_t budget_bytes) : budget_(budget_bytes) {}

  // Stores an entry as the most recent, dropping entries it makes redundant (those whose
  // tokens are a prefix of its own) and then the oldest ones until the budget holds. An entry
  // larger than the whole budget is not stored.
  void insert(PromptCacheEntry entry);
  // The entry sharing the longest prefix with `tokens`, if that prefix is longer than
  // `at_least`; it becomes the most recent. Null otherwise. *shared receives the prefix.
  const PromptCacheEntry* find(const std::vector<int32_t>& tokens, size_t at_least, size_t* shared);

  size_t size() const { return entries_.size(); }
  size_t bytes() const { return bytes_; }
  size_t budget() const { return budget_; }

 private:
  size_t budget_;
  size_t bytes_ = 0;
  std::list<PromptCacheEntry> entries_;  // most recent first
};

}  // namespace hearth

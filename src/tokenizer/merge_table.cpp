// Builds and probes tok::MergeTable (linear probing, multiplicative hash of the id pair).
#include "tokenizer/merge_table.hpp"

namespace hearth::tok {

MergeTable::MergeTable(const GgufStringArray& merges, const StringTable& vocab) {
  size_t capacity = 16;
  slot_bits_ = 4;
  while (capacity * 5 < merges.size() * 8) {
    capacity *= 2;
    ++slot_bits_;
  }
  slots_.assign(capacity, -1);
  pairs_.assign(merges.size(), Pair{-1, -1});
  for (size_t i = 0; i < merges.size(); ++i) {
    const std::string_view m = merges[i];
    if (m.find(' ', 1) == std::string_view::npos) continue;  // not "left right"
    ++n_merges_;
    // A symbol is never empty and never holds ' ': only "left right" with exactly one inner
    // space can ever match; other entries count as merges but are not stored.
    const size_t space = m.find(' ');
    if (space == 0 || space + 1 == m.size() || m.find(' ', space + 1) != std::string_view::npos)
      continue;
    const int32_t rank = static_cast<int32_t>(i);
    const int32_t left = vocab.find(m.substr(0, space));
    const int32_t right = vocab.find(m.substr(space + 1));
    if (left < 0 || right < 0) {
      by_text_.emplace(std::string(m), rank);  // the earliest rank wins
      continue;
    }
    const size_t mask = capacity - 1;
    for (size_t s = home_slot(left, right);; s = (s + 1) & mask) {
      if (slots_[s] < 0) {
        slots_[s] = rank;
        pairs_[i] = {left, right};
        break;
      }
      const Pair& p = pairs_[slots_[s]];
      if (p.left == left && p.right == right) break;  // duplicate: the earliest rank wins
    }
  }
}

size_t MergeTable::home_slot(int32_t left, int32_t right) const {
  const uint64_t key =
      (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> (64 - slot_bits_));
}

int32_t MergeTable::rank_of_ids(int32_t left, int32_t right) const {
  if (n_merges_ == 0) return -1;
  const size_t mask = slots_.size() - 1;
  for (size_t s = home_slot(left, right);; s = (s + 1) & mask) {
    const int32_t rank = slots_[s];
    if (rank < 0) return -1;
    const Pair& p = pairs_[rank];
    if (p.left == left && p.right == right) return rank;
  }
}

int32_t MergeTable::rank_of_text(std::string_view left, std::string_view right) const {
  std::string key;
  key.reserve(left.size() + 1 + right.size());
  key.append(left).append(1, ' ').append(right);
  const auto it = by_text_.find(key);
  return it == by_text_.end() ? -1 : it->second;
}

}  // namespace hearth::tok

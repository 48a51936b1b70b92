// tok::MergeTable — tokenizer.ggml.merges ("left right", rank = index) keyed by the token ids
// of the two sides: an open-addressing table of ranks over an array of (left, right) id pairs,
// ~2.2 MB for 151k merges instead of ~10 MB as unordered_map<string, int>. Merges whose sides
// are not both vocabulary tokens (never the case in well-formed files) keep their text key in
// a side map, so lookups give exactly what a "left right" text map would.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hearth/gguf.hpp"

#include "tokenizer/string_table.hpp"

namespace hearth::tok {

class MergeTable {
 public:
  MergeTable() = default;
  MergeTable(const GgufStringArray& merges, const StringTable& vocab);

  // True when no entry has the "left right" form.
  bool empty() const { return n_merges_ == 0; }
  // Rank of merging `left` with `right` (their vocabulary ids, -1 when not tokens); -1 if no
  // merge joins them. Symbols never contain ' ', so "left right" is unambiguous.
  int32_t rank(int32_t left_id, int32_t right_id, std::string_view left,
               std::string_view right) const {
    if (left_id >= 0 && right_id >= 0) return rank_of_ids(left_id, right_id);
    return by_text_.empty() ? -1 : rank_of_text(left, right);
  }

 private:
  struct Pair {
    int32_t left, right;
  };
  int32_t rank_of_ids(int32_t left, int32_t right) const;
  int32_t rank_of_text(std::string_view left, std::string_view right) const;
  size_t home_slot(int32_t left, int32_t right) const;

  std::vector<Pair> pairs_;     // by rank; unused ranks hold {-1, -1}
  std::vector<int32_t> slots_;  // rank or -1; power-of-two length, load factor <= 5/8
  int slot_bits_ = 0;
  size_t n_merges_ = 0;  // entries of the "left right" form, stored or not
  std::unordered_map<std::string, int32_t> by_text_;  // merges with a side outside the vocabulary
};

}  // namespace hearth::tok

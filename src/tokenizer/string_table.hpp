// tok::StringTable — the vocabulary's token texts, compact: every text lives in one char arena
// (id -> [offsets_[id], offsets_[id + 1])) and text -> id goes through an open-addressing
// table of packed slots. A 152k vocabulary takes ~2.5 MB instead of the ~15 MB of a
// vector<string> plus unordered_map<string, int32_t> (one heap node and string per token).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hearth/gguf.hpp"

namespace hearth::tok {

class StringTable {
 public:
  // Duplicated texts keep their lowest id, as a map filled in id order would.
  explicit StringTable(const GgufStringArray& texts);

  int32_t size() const { return static_cast<int32_t>(offsets_.size() - 1); }
  std::string_view operator[](int32_t id) const {
    return std::string_view(arena_.data() + offsets_[id], offsets_[id + 1] - offsets_[id]);
  }
  int32_t find(std::string_view text) const;  // -1 if absent

 private:
  // Slot layout: 0 = empty, otherwise (tag << id_bits_) | (id + 1), where the tag is the
  // hash's high bits, so most probes of other texts are rejected without touching the arena.
  uint32_t tag_of(size_t hash) const;

  std::string arena_;
  std::vector<uint32_t> offsets_;  // size() + 1 entries
  std::vector<uint32_t> slots_;    // power-of-two length, load factor <= 5/8
  uint32_t id_bits_ = 0;
  uint32_t id_mask_ = 0;
};

}  // namespace hearth::tok

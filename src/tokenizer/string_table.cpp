// Builds and probes tok::StringTable (linear probing over packed id + hash-tag slots).
#include "tokenizer/string_table.hpp"

#include <fmt/format.h>

#include <functional>

#include "hearth/error.hpp"

namespace hearth::tok {
namespace {

size_t hash_text(std::string_view text) {
  return std::hash<std::string_view>{}(text);
}

}  // namespace

StringTable::StringTable(const GgufStringArray& texts) {
  const size_t n = texts.size();
  const size_t total = texts.total_bytes();
  if (n >= (size_t{1} << 31) - 1 || total > UINT32_MAX)
    fail(Status::kInvalidModel,
         fmt::format("vocabulary too large ({} tokens, {} bytes)", n, total));
  // One allocation each: building from many small pieces would leave freed heap behind.
  arena_.reserve(total);
  offsets_.reserve(n + 1);
  offsets_.push_back(0);
  for (const std::string_view t : texts) {
    arena_ += t;
    offsets_.push_back(static_cast<uint32_t>(arena_.size()));
  }

  // ids + 1 in 1..n need id_bits_ bits; the remaining high bits carry the hash tag.
  while ((uint64_t{1} << id_bits_) <= n) ++id_bits_;
  id_mask_ = id_bits_ >= 32 ? UINT32_MAX : (uint32_t{1} << id_bits_) - 1;
  size_t capacity = 16;
  while (capacity * 5 < n * 8) capacity *= 2;
  slots_.assign(capacity, 0);
  const size_t mask = capacity - 1;
  for (size_t id = 0; id < n; ++id) {
    const std::string_view text = (*this)[static_cast<int32_t>(id)];
    const size_t h = hash_text(text);
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const uint32_t s = slots_[i];
      if (s == 0) {
        slots_[i] = tag_of(h) | static_cast<uint32_t>(id + 1);
        break;
      }
      if ((s & ~id_mask_) == tag_of(h) && (*this)[static_cast<int32_t>((s & id_mask_) - 1)] == text)
        break;  // duplicate text: the earlier id wins
    }
  }
}

uint32_t StringTable::tag_of(size_t hash) const {
  // The slot index uses the hash's low bits; the tag takes independent high ones.
  return id_bits_ >= 32 ? 0 : static_cast<uint32_t>(hash >> 40) << id_bits_;
}

int32_t StringTable::find(std::string_view text) const {
  const size_t h = hash_text(text);
  const size_t mask = slots_.size() - 1;
  const uint32_t tag = tag_of(h);
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    const uint32_t s = slots_[i];
    if (s == 0) return -1;
    if ((s & ~id_mask_) == tag) {
      const int32_t id = static_cast<int32_t>((s & id_mask_) - 1);
      if ((*this)[id] == text) return id;
    }
  }
}

}  // namespace hearth::tok

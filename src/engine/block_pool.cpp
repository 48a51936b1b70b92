#include "engine/block_pool.hpp"

#include <fmt/format.h>

#include "hearth/error.hpp"
#include "platform/large_buffer.hpp"

namespace hearth::engine {

BlockPool::BlockPool(int n_blocks, int n_layer, size_t kv_dim)
    : n_blocks_(n_blocks), n_layer_(n_layer), kv_dim_(kv_dim) {
  if (n_blocks <= 0)
    fail(Status::kInvalidArgument, fmt::format("the KV pool needs blocks (got {})", n_blocks));
  const size_t halves = static_cast<size_t>(n_blocks) * n_layer * 2 * kBlockTokens * kv_dim;
  // Untouched pages until a block is first written (the OS zero-fills them), so a pool sized
  // for the model's whole context costs resident memory only as far as it is used.
  std::shared_ptr<uint8_t> bytes = platform::allocate_large_buffer(halves * sizeof(uint16_t));
  if (!bytes)
    fail(Status::kOutOfMemory,
         fmt::format("the KV pool of {} blocks needs {} MiB", n_blocks, halves * 2 >> 20));
  storage_ = std::shared_ptr<uint16_t>(bytes, reinterpret_cast<uint16_t*>(bytes.get()));
  meta_.resize(n_blocks);
  free_.reserve(n_blocks);
  // Lowest ids on top of the stack: block ids then follow allocation order (easier to read).
  for (int b = n_blocks - 1; b >= 0; --b) free_.push_back(b);
}

int BlockPool::allocate() {
  int b = -1;
  if (!free_.empty()) {
    b = free_.back();
    free_.pop_back();
  } else if (!lru_.empty()) {
    b = lru_.front();
    lru_.pop_front();
    unpublish(b);
  } else {
    return -1;
  }
  meta_[b].refs = 1;
  ++n_referenced_;
  return b;
}

void BlockPool::retain(int block) {
  Meta& m = meta_[block];
  if (m.refs++ == 0) {  // a cached block comes back into use
    lru_.erase(m.lru_pos);
    ++n_referenced_;
  }
}

void BlockPool::release(int block) {
  Meta& m = meta_[block];
  if (m.refs <= 0) fail(Status::kInternal, fmt::format("block {} released twice", block));
  if (--m.refs > 0) return;
  --n_referenced_;
  if (m.published) {
    m.lru_pos = lru_.insert(lru_.end(), block);
  } else {
    free_.push_back(block);
  }
}

int BlockPool::lookup(const BlockKey& key) {
  const auto range = index_.equal_range(key.hash());
  for (auto it = range.first; it != range.second; ++it)
    if (meta_[it->second].key == key) {
      retain(it->second);
      return it->second;
    }
  return -1;
}

bool BlockPool::publish(int block, const BlockKey& key) {
  Meta& m = meta_[block];
  if (m.published) return false;
  const uint64_t h = key.hash();
  const auto range = index_.equal_range(h);
  for (auto it = range.first; it != range.second; ++it)
    if (meta_[it->second].key == key) return false;
  m.published = true;
  m.hash = h;
  m.key = key;
  index_.emplace(h, block);
  return true;
}

void BlockPool::unpublish(int block) {
  Meta& m = meta_[block];
  if (!m.published) return;
  const auto range = index_.equal_range(m.hash);
  for (auto it = range.first; it != range.second; ++it)
    if (it->second == block) {
      index_.erase(it);
      break;
    }
  m.published = false;
}

}  // namespace hearth::engine

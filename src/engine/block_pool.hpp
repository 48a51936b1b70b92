// BlockPool — the engine's paged KV storage: n_blocks fixed-size blocks, each holding the K and
// V rows (F16, as Context stores them) of kBlockTokens positions for every layer.
//
// Blocks are reference counted. A full block whose contents are known (its chain hash, see
// block_hash.hpp) may be published: later sequences with the same prefix find and share it.
// A published block whose count drops to zero stays cached (its K/V intact) and is evicted,
// least recently used first, only when allocate() finds no free block. Unpublished blocks go
// straight back to the free list.
//
// Not thread-safe: the engine serializes calls (its mutex). Reading/writing the K/V rows of
// blocks a caller holds needs no lock.
#pragma once

#include <array>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/block_hash.hpp"

namespace hearth::engine {

// What a published block holds, compared on lookup so that a hash collision never shares.
struct BlockKey {
  uint64_t parent = 0;  // chain hash of the block before (tenant_seed for the first)
  std::array<int32_t, kBlockTokens> tokens{};
  uint16_t tiled_mask = 0;
  std::string tenant;
  uint64_t hash() const { return chain_hash(parent, tokens.data(), tiled_mask); }
  bool operator==(const BlockKey& o) const {
    return parent == o.parent && tokens == o.tokens && tiled_mask == o.tiled_mask &&
           tenant == o.tenant;
  }
};

class BlockPool {
 public:
  // Throws kInvalidArgument for n_blocks <= 0, kOutOfMemory when the storage cannot be had.
  BlockPool(int n_blocks, int n_layer, size_t kv_dim);

  int n_blocks() const { return n_blocks_; }
  // Rows of `layer` in `block`: [kBlockTokens][kv_dim] halves.
  uint16_t* k(int block, int layer) { return base(block, layer); }
  uint16_t* v(int block, int layer) { return base(block, layer) + kBlockTokens * kv_dim_; }

  // A block with count 1: a free one, else the least recently used cached one (unpublished
  // first). -1 when every block is referenced.
  int allocate();
  void retain(int block);
  // Count - 1; at zero a published block becomes cached, another one free.
  void release(int block);

  // The published block with this key, retained (count + 1), or -1.
  int lookup(const BlockKey& key);
  // Makes a full block findable under `key`. False (nothing changes) when another block
  // already holds that key or this one is published.
  bool publish(int block, const BlockKey& key);
  bool published(int block) const { return meta_[block].published; }

  int n_referenced() const { return n_referenced_; }  // count > 0
  int n_cached() const { return static_cast<int>(lru_.size()); }
  int n_free() const { return static_cast<int>(free_.size()); }
  int refcount(int block) const { return meta_[block].refs; }

 private:
  struct Meta {
    int refs = 0;
    bool published = false;
    uint64_t hash = 0;
    BlockKey key;
    std::list<int>::iterator lru_pos;  // valid while cached
  };
  uint16_t* base(int block, int layer) {
    return storage_.get() +
           (static_cast<size_t>(block) * n_layer_ + layer) * 2 * kBlockTokens * kv_dim_;
  }
  void unpublish(int block);

  int n_blocks_, n_layer_;
  size_t kv_dim_;
  // [block][layer][K rows, V rows], 2 MiB aligned (platform::allocate_large_buffer), so every
  // head's rows start on a cache line (for head sizes that are multiples of 32 halves, as all
  // supported models have). std::vector's storage sat 16 bytes past a page start: each 128-byte
  // head row spanned three cache lines and half of the attention's 32-byte loads split across two.
  std::shared_ptr<uint16_t> storage_;
  std::vector<Meta> meta_;
  std::vector<int> free_;                         // stack
  std::list<int> lru_;                            // cached blocks, least recently used first
  std::unordered_multimap<uint64_t, int> index_;  // published blocks by hash
  int n_referenced_ = 0;
};

}  // namespace hearth::engine

// The forward pass's view (fwd::KvStore) of the batch's sequences in the block pool. Writes go
// straight to the blocks, and attention reads them in place through the sequence's block table
// (kernels::KvBlocks): the same halves as Context's contiguous cache, so the same bits.
#pragma once

#include <vector>

#include "context/forward_batch.hpp"
#include "engine/block_pool.hpp"

namespace hearth::engine {

class PagedKv final : public fwd::KvStore {
 public:
  // tables[s]: the block table of the batch's sequence s (outlives this object).
  PagedKv(BlockPool& pool, std::vector<const std::vector<int>*> tables, size_t kv_dim)
      : pool_(pool), tables_(std::move(tables)), kv_dim_(kv_dim) {}

  uint16_t* k_row(int seq, int layer, int pos) override {
    return pool_.k(block_of(seq, pos), layer) + (pos % kBlockTokens) * kv_dim_;
  }
  uint16_t* v_row(int seq, int layer, int pos) override {
    return pool_.v(block_of(seq, pos), layer) + (pos % kBlockTokens) * kv_dim_;
  }
  int blocks(int seq, int layer, int n, std::vector<const uint16_t*>& k,
             std::vector<const uint16_t*>& v) override;

 private:
  int block_of(int seq, int pos) const { return (*tables_[seq])[pos / kBlockTokens]; }

  BlockPool& pool_;
  std::vector<const std::vector<int>*> tables_;
  size_t kv_dim_;
};

}  // namespace hearth::engine

// BlockPool (src/engine/block_pool.hpp): where the K/V rows of each (block, layer) lie. The
// decode attention reads a head's rows with 32-byte loads; rows that do not start on a cache line
// span one line more each and split half of those loads (measured: a quarter of the engine's
// attention time at 8 sequences), so the pool's layout promises 64-byte alignment.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>

#include "engine/block_pool.hpp"

namespace hearth::engine {
namespace {

TEST(BlockPool, EveryHeadRowStartsOnACacheLine) {
  // smollm2-135m's shape (3 KV heads of 64) and llama3.2-1b's (8 of 64), a few layers.
  for (size_t kv_dim : {size_t{192}, size_t{512}}) {
    BlockPool pool(5, 3, kv_dim);
    for (int b = 0; b < pool.n_blocks(); ++b)
      for (int layer = 0; layer < 3; ++layer)
        for (int cell = 0; cell < kBlockTokens; ++cell)
          for (size_t head = 0; head < kv_dim; head += 64) {
            const uint16_t* k = pool.k(b, layer) + cell * kv_dim + head;
            const uint16_t* v = pool.v(b, layer) + cell * kv_dim + head;
            ASSERT_EQ(reinterpret_cast<uintptr_t>(k) % 64, 0u) << b << " " << layer << " " << cell;
            ASSERT_EQ(reinterpret_cast<uintptr_t>(v) % 64, 0u) << b << " " << layer << " " << cell;
          }
  }
}

TEST(BlockPool, RowsOfDistinctBlocksAndLayersDoNotOverlap) {
  constexpr size_t kKvDim = 192;
  BlockPool pool(4, 2, kKvDim);
  std::set<const uint16_t*> starts;
  for (int b = 0; b < pool.n_blocks(); ++b)
    for (int layer = 0; layer < 2; ++layer) {
      EXPECT_EQ(pool.v(b, layer), pool.k(b, layer) + kBlockTokens * kKvDim);
      starts.insert(pool.k(b, layer));
      // Writable to the last half of V (ASan reports an overflow past the storage).
      pool.k(b, layer)[0] = 1;
      pool.v(b, layer)[kBlockTokens * kKvDim - 1] = 2;
    }
  ASSERT_EQ(starts.size(), 8u);
  const uint16_t* prev = nullptr;
  for (const uint16_t* s : starts) {
    if (prev) {
      EXPECT_GE(s - prev, static_cast<ptrdiff_t>(2 * kBlockTokens * kKvDim));
    }
    prev = s;
  }
}

TEST(BlockPool, RejectsAnEmptyPool) {
  EXPECT_ANY_THROW(BlockPool(0, 2, 64));
}

}  // namespace
}  // namespace hearth::engine

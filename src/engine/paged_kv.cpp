#include "engine/paged_kv.hpp"

namespace hearth::engine {

int PagedKv::blocks(int seq, int layer, int n, std::vector<const uint16_t*>& k,
                    std::vector<const uint16_t*>& v) {
  const std::vector<int>& table = *tables_[seq];
  const size_t n_blocks = static_cast<size_t>((n + kBlockTokens - 1) / kBlockTokens);
  k.resize(n_blocks);
  v.resize(n_blocks);
  for (size_t i = 0; i < n_blocks; ++i) {
    k[i] = pool_.k(table[i], layer);
    v[i] = pool_.v(table[i], layer);
  }
  return kBlockTokens;
}

}  // namespace hearth::engine

#include "engine/paged_kv.hpp"

#include <algorithm>

namespace hearth::engine {

void PagedKv::span(int seq, int layer, int n, const uint16_t** K, const uint16_t** V) {
  const size_t row = kv_dim_;
  k_.resize(static_cast<size_t>(n) * row);
  v_.resize(static_cast<size_t>(n) * row);
  const std::vector<int>& table = *tables_[seq];
  for (int p0 = 0; p0 < n; p0 += kBlockTokens) {
    const size_t halves = static_cast<size_t>(std::min(kBlockTokens, n - p0)) * row;
    const int b = table[p0 / kBlockTokens];
    std::copy_n(pool_.k(b, layer), halves, k_.data() + p0 * row);
    std::copy_n(pool_.v(b, layer), halves, v_.data() + p0 * row);
  }
  *K = k_.data();
  *V = v_.data();
}

}  // namespace hearth::engine

#include "kb/fusion.hpp"

#include <algorithm>
#include <unordered_map>

namespace hearth::kb {

std::vector<FusedId> fuse_rrf(const std::vector<ScoredId>& by_vector,
                              const std::vector<ScoredId>& by_bm25, double k0) {
  std::unordered_map<int64_t, FusedId> acc;
  for (size_t r = 0; r < by_vector.size(); ++r) {
    FusedId& f = acc.try_emplace(by_vector[r].id, FusedId{by_vector[r].id, 0, 0, 0}).first->second;
    f.score += 1.0 / (k0 + static_cast<double>(r + 1));
    f.vector_rank = static_cast<int>(r + 1);
  }
  for (size_t r = 0; r < by_bm25.size(); ++r) {
    FusedId& f = acc.try_emplace(by_bm25[r].id, FusedId{by_bm25[r].id, 0, 0, 0}).first->second;
    f.score += 1.0 / (k0 + static_cast<double>(r + 1));
    f.bm25_rank = static_cast<int>(r + 1);
  }
  std::vector<FusedId> out;
  out.reserve(acc.size());
  for (auto& kv : acc) out.push_back(kv.second);
  std::sort(out.begin(), out.end(), [](const FusedId& a, const FusedId& b) {
    return a.score > b.score || (a.score == b.score && a.id < b.id);
  });
  return out;
}

}  // namespace hearth::kb

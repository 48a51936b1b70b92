// Hybrid ranking: reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009). Each list
// contributes 1 / (k0 + rank) for every id it holds (rank 1-based); scores of different kinds
// (cosine, BM25) never have to be put on one scale. k0 = 60 as in the paper.
#pragma once

#include <vector>

#include "kb/vector_index.hpp"

namespace hearth::kb {

constexpr double kRrfK0 = 60.0;

struct FusedId {
  int64_t id;
  double score;
  int vector_rank;  // 1-based, 0: not in the vector list
  int bm25_rank;    // 1-based, 0: not in the BM25 list
};

// All ids of both lists, best fused score first, ties by smaller id.
std::vector<FusedId> fuse_rrf(const std::vector<ScoredId>& by_vector,
                              const std::vector<ScoredId>& by_bm25, double k0 = kRrfK0);

}  // namespace hearth::kb

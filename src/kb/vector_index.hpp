// hearth::kb::VectorIndex — every chunk vector of a knowledge base in one contiguous float32
// matrix, searched exactly (brute force): scores = M q, then the k best. Exact search returns
// what any other tool computing cosine similarities returns (tests/kb/kb_check.py checks it),
// and at 100,000 x 384 one pass is a few milliseconds (docs/kb.md has the measurements).
//
// Threads: search() is const and may run from several threads; add/load are not.
#pragma once

#include <cstdint>
#include <vector>

#include "kb/sqlite_db.hpp"

namespace hearth::kb {

enum class ScanMethod { kLoop, kBlas };

struct ScoredId {
  int64_t id;
  float score;
};

class VectorIndex {
 public:
  explicit VectorIndex(int dim) : dim_(dim) {}
  int dim() const { return dim_; }
  size_t size() const { return ids_.size(); }
  // Reads every row of chunk_vectors; kInvalidModel for a vector of the wrong size.
  void load(const Db& db);
  void add(int64_t id, const float* vec);
  // The k highest dot products with q (dim floats), best first; ties by smaller id.
  std::vector<ScoredId> search(const float* q, size_t k,
                               ScanMethod method = ScanMethod::kLoop) const;
  // All scores in id order (for benchmarks and tests).
  void scores(const float* q, float* out, ScanMethod method) const;

 private:
  int dim_;
  std::vector<int64_t> ids_;
  std::vector<float> data_;  // ids_.size() x dim_, row-major
};

// The k best of n scores (index into ids), best first, ties by smaller id.
std::vector<ScoredId> top_k(const float* scores, const int64_t* ids, size_t n, size_t k);

}  // namespace hearth::kb

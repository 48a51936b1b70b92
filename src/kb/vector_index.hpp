// hearth::kb::VectorIndex — every chunk vector of a knowledge base in one contiguous float32
// matrix, searched exactly (brute force): scores = M q, then the k best. Exact search returns
// what any other tool computing cosine similarities returns (tests/kb/kb_check.py checks it).
// The default scan (kQ8) first reads a Q8_0 copy of the matrix with the matmul kernels to find
// the few rows that can be in the top k (q8_prefilter.hpp), then scores those with the float32
// loop: the same ids and the same scores as the plain loop, reading 4.5x fewer bytes.
//
// Threads: search() is const and may run from several threads; add/load are not.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "kb/sqlite_db.hpp"

namespace hearth {
class ThreadPool;
}

namespace hearth::kb {

class Q8Prefilter;

// kQ8: Q8_0 prefilter + float32 rescoring (exact, the default); kLoop: float32 over every row
// (the reference). OpenBLAS's sgemv was measured slower than both and dropped (docs/kb.md).
enum class ScanMethod { kQ8, kLoop };

struct ScoredId {
  int64_t id;
  float score;
};

class VectorIndex {
 public:
  explicit VectorIndex(int dim);
  ~VectorIndex();
  int dim() const { return dim_; }
  size_t size() const { return ids_.size(); }
  // Reads every row of chunk_vectors; kInvalidModel for a vector of the wrong size.
  void load(const Db& db);
  void add(int64_t id, const float* vec);
  // The k highest dot products with q (dim floats), best first; ties by smaller id. Every
  // method returns the same ids; kQ8 and kLoop the same scores too. pool: the kQ8 scan's
  // threads (null: the calling thread).
  std::vector<ScoredId> search(const float* q, size_t k, ScanMethod method = ScanMethod::kQ8,
                               ThreadPool* pool = nullptr) const;
  // All float32 scores in id order (the kLoop scan; for benchmarks and tests).
  void scores(const float* q, float* out) const;
  // The Q8_0 copy (made on first use after load/add).
  const Q8Prefilter& prefilter() const;

 private:
  int dim_;
  std::vector<int64_t> ids_;
  std::vector<float> data_;  // ids_.size() x dim_, row-major
  mutable std::mutex prefilter_mutex_;
  mutable std::unique_ptr<Q8Prefilter> prefilter_;  // null until first needed; reset by add
};

// The k best of n scores (index into ids), best first, ties by smaller id.
std::vector<ScoredId> top_k(const float* scores, const int64_t* ids, size_t n, size_t k);

}  // namespace hearth::kb

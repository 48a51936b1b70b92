#include "kb/vector_index.hpp"

#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <queue>

#include "hearth/error.hpp"

namespace hearth::kb {

void VectorIndex::load(const Db& db) {
  ids_.clear();
  data_.clear();
  Stmt count(db, "SELECT count(*) FROM chunk_vectors");
  if (count.step()) {
    const auto n = static_cast<size_t>(count.int64(0));
    ids_.reserve(n);
    data_.reserve(n * static_cast<size_t>(dim_));
  }
  Stmt st(db, "SELECT chunk_id, vector FROM chunk_vectors ORDER BY chunk_id");
  const size_t bytes = static_cast<size_t>(dim_) * sizeof(float);
  while (st.step()) {
    size_t n = 0;
    const void* p = st.blob(1, &n);
    if (n != bytes)
      hearth::fail(Status::kInvalidModel, "knowledge base " + db.path() + ": vector of chunk " +
                                              std::to_string(st.int64(0)) + " has " +
                                              std::to_string(n) + " bytes, expected " +
                                              std::to_string(bytes));
    ids_.push_back(st.int64(0));
    const size_t at = data_.size();
    data_.resize(at + static_cast<size_t>(dim_));
    std::memcpy(data_.data() + at, p, bytes);
  }
}

void VectorIndex::add(int64_t id, const float* vec) {
  ids_.push_back(id);
  data_.insert(data_.end(), vec, vec + dim_);
}

void VectorIndex::scores(const float* q, float* out, ScanMethod method) const {
  const size_t n = ids_.size();
  if (n == 0) return;
  if (method == ScanMethod::kBlas) {
    // One matrix-vector product: OpenBLAS picks the CPU's widest kernels at run time and
    // splits the rows over its threads.
    cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<blasint>(n), dim_, 1.0f, data_.data(),
                dim_, q, 1, 0.0f, out, 1);
    return;
  }
  // The plain loop: eight independent sums per row so the compiler can vectorize (SSE2 at
  // the baseline ISA) without reassociating one long dependency chain.
  const size_t d = static_cast<size_t>(dim_);
  for (size_t r = 0; r < n; ++r) {
    const float* row = data_.data() + r * d;
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t j = 0;
    for (; j + 8 <= d; j += 8)
      for (int l = 0; l < 8; ++l) acc[l] += row[j + l] * q[j + l];
    float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (; j < d; ++j) s += row[j] * q[j];
    out[r] = s;
  }
}

std::vector<ScoredId> VectorIndex::search(const float* q, size_t k, ScanMethod method) const {
  std::vector<float> s(ids_.size());
  scores(q, s.data(), method);
  return top_k(s.data(), ids_.data(), ids_.size(), k);
}

std::vector<ScoredId> top_k(const float* scores, const int64_t* ids, size_t n, size_t k) {
  k = std::min(k, n);
  // "a before b" in the result order: higher score, then smaller id.
  const auto better = [](const ScoredId& a, const ScoredId& b) {
    return a.score > b.score || (a.score == b.score && a.id < b.id);
  };
  // A heap whose top is the worst of the k kept so far.
  std::priority_queue<ScoredId, std::vector<ScoredId>, decltype(better)> heap(better);
  for (size_t i = 0; i < n && k > 0; ++i) {
    const ScoredId c{ids[i], scores[i]};
    if (heap.size() < k) {
      heap.push(c);
    } else if (better(c, heap.top())) {
      heap.pop();
      heap.push(c);
    }
  }
  std::vector<ScoredId> out;
  out.reserve(heap.size());
  while (!heap.empty()) {
    out.push_back(heap.top());
    heap.pop();
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace hearth::kb

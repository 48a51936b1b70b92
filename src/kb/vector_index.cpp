#include "kb/vector_index.hpp"

#include <algorithm>
#include <cstring>
#include <queue>

#include "hearth/error.hpp"
#include "kb/q8_prefilter.hpp"

namespace hearth::kb {
namespace {

// The float32 score of one row: eight independent sums so the compiler can vectorize (SSE2 at
// the baseline ISA) without reassociating one long dependency chain. kLoop and the rescoring of
// kQ8's candidates both use it, so the two scans give the same bits.
float dot_row(const float* row, const float* q, size_t d) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t j = 0;
  for (; j + 8 <= d; j += 8)
    for (int l = 0; l < 8; ++l) acc[l] += row[j + l] * q[j + l];
  float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
  for (; j < d; ++j) s += row[j] * q[j];
  return s;
}

}  // namespace

VectorIndex::VectorIndex(int dim) : dim_(dim) {}
VectorIndex::~VectorIndex() = default;

void VectorIndex::load(const Db& db) {
  prefilter_.reset();
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
  prefilter_.reset();
  ids_.push_back(id);
  data_.insert(data_.end(), vec, vec + dim_);
}

void VectorIndex::scores(const float* q, float* out) const {
  const size_t n = ids_.size();
  const size_t d = static_cast<size_t>(dim_);
  for (size_t r = 0; r < n; ++r) out[r] = dot_row(data_.data() + r * d, q, d);
}

const Q8Prefilter& VectorIndex::prefilter() const {
  std::lock_guard<std::mutex> lock(prefilter_mutex_);
  if (!prefilter_) prefilter_ = std::make_unique<Q8Prefilter>(data_.data(), ids_.size(), dim_);
  return *prefilter_;
}

std::vector<ScoredId> VectorIndex::search(const float* q, size_t k, ScanMethod method,
                                          ThreadPool* pool) const {
  if (method == ScanMethod::kQ8 && k > 0 && k < ids_.size()) {
    thread_local std::vector<uint32_t> rows;
    if (prefilter().candidates(q, k, pool, &rows)) {
      // The candidates' float32 scores, exactly as kLoop computes them; top_k then breaks ties
      // by id as it does over all rows.
      const size_t d = static_cast<size_t>(dim_);
      std::vector<float> s(rows.size());
      std::vector<int64_t> ids(rows.size());
      for (size_t i = 0; i < rows.size(); ++i) {
        s[i] = dot_row(data_.data() + rows[i] * d, q, d);
        ids[i] = ids_[rows[i]];
      }
      return top_k(s.data(), ids.data(), rows.size(), k);
    }
  }
  std::vector<float> s(ids_.size());
  scores(q, s.data());
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

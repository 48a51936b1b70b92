// KnowledgeBase::search: vector top-k (exact scan), BM25 top-k (FTS5), reciprocal rank fusion,
// optional reranking, then the passages' rows.
#include <algorithm>
#include <numeric>

#include "core/thread_pool.hpp"
#include "hearth/error.hpp"
#include "kb/fts.hpp"
#include "kb/fusion.hpp"
#include "kb/knowledge_base.hpp"
#include "kb/schema.hpp"

namespace hearth::kb {

size_t KnowledgeBase::load_vectors() {
  if (!index_) {
    const int dim = std::atoi(get_meta(*db_, "dim", "0").c_str());
    auto idx = std::make_unique<VectorIndex>(dim);
    if (dim > 0) idx->load(*db_);
    idx->prefilter();  // built now, not in the first query's time
    index_ = std::move(idx);
  }
  return index_->size();
}

std::vector<SearchHit> KnowledgeBase::search(const std::string& query,
                                             const SearchOptions& options) {
  std::vector<float> q;
  if (options.mode != SearchMode::kBm25) {
    if (!embedder_)
      hearth::fail(Status::kInvalidArgument, "vector search needs the embedding model (-m)");
    if (get_meta(*db_, "embed_model").empty()) return {};  // nothing indexed yet
    q = embedder_->embed({query});
  }
  return search_vector(query, q.empty() ? nullptr : q.data(), options);
}

std::vector<SearchHit> KnowledgeBase::search_vector(const std::string& query_text,
                                                    const float* query_vec,
                                                    const SearchOptions& options) {
  if (options.k == 0) return {};
  if (options.mode == SearchMode::kBm25 && encrypted_)
    hearth::fail(Status::kUnsupported,
                 "an encrypted knowledge base has no keyword index: use --mode vector");
  const size_t n_cand =
      options.candidates ? options.candidates : std::max<size_t>(4 * options.k, 40);
  std::vector<ScoredId> by_vec, by_bm25;
  if (options.mode != SearchMode::kBm25) {
    if (!query_vec) hearth::fail(Status::kInvalidArgument, "no query vector");
    load_vectors();
    if (options.threads > 1 && (!pool_ || pool_->size() != options.threads))
      pool_ = std::make_unique<ThreadPool>(options.threads);
    by_vec = index_->search(
        query_vec, options.mode == SearchMode::kVector && !options.reranker ? options.k : n_cand,
        options.scan, options.threads > 1 ? pool_.get() : nullptr);
  }
  if (options.mode != SearchMode::kVector && !encrypted_)
    by_bm25 =
        bm25_.search(*db_, query_text,
                     options.mode == SearchMode::kBm25 && !options.reranker ? options.k : n_cand);

  // Ranked ids with the score each mode reports.
  std::vector<FusedId> ranked;
  if (options.mode == SearchMode::kHybrid) {
    ranked = fuse_rrf(by_vec, by_bm25);
  } else {
    const auto& list = options.mode == SearchMode::kVector ? by_vec : by_bm25;
    for (size_t r = 0; r < list.size(); ++r)
      ranked.push_back({list[r].id, list[r].score,
                        options.mode == SearchMode::kVector ? static_cast<int>(r + 1) : 0,
                        options.mode == SearchMode::kBm25 ? static_cast<int>(r + 1) : 0});
  }
  if (!options.reranker && ranked.size() > options.k) ranked.resize(options.k);

  Stmt row(*db_,
           "SELECT c.seq, c.page, c.line, c.byte_start, c.byte_end, c.text, d.path "
           "FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE c.id = ?");
  std::vector<SearchHit> hits;
  hits.reserve(ranked.size());
  for (const FusedId& f : ranked) {
    row.bind(1, f.id);
    if (!row.step()) {  // removed by another process since the vectors were loaded
      row.reset();
      continue;
    }
    SearchHit h;
    h.chunk_id = f.id;
    h.seq = static_cast<int>(row.int64(0));
    h.page = row.is_null(1) ? 0 : static_cast<int>(row.int64(1));
    h.line = row.is_null(2) ? 0 : static_cast<int>(row.int64(2));
    h.byte_start = row.int64(3);
    h.byte_end = row.int64(4);
    size_t n = 0;
    const void* p = row.blob(5, &n);
    h.text = store_->open_text(p, n);
    h.path = row.text(6);
    h.score = f.score;
    h.vector_rank = f.vector_rank;
    h.bm25_rank = f.bm25_rank;
    hits.push_back(std::move(h));
    row.reset();
  }
  if (options.reranker) {
    if (!options.reranker->can_rerank())
      hearth::fail(Status::kInvalidArgument,
                   "'" + options.reranker->model_id() + "' is not a reranking model");
    std::vector<std::string> docs;
    for (const SearchHit& h : hits) docs.push_back(h.text);
    const std::vector<float> s = options.reranker->rerank(query_text, docs);
    for (size_t i = 0; i < hits.size() && i < s.size(); ++i) hits[i].score = s[i];
    std::stable_sort(hits.begin(), hits.end(),
                     [](const SearchHit& a, const SearchHit& b) { return a.score > b.score; });
    if (hits.size() > options.k) hits.resize(options.k);
  }
  return hits;
}

}  // namespace hearth::kb

// Keyword search: SQLite FTS5 over the chunk texts, ranked by its built-in BM25 (k1 = 1.2,
// b = 0.75). A user's query is not passed to FTS5's query language (where `-`, `"`, `:` or
// NEAR mean something): its words are quoted and OR-ed, so any text is a valid query and a
// chunk matching more (and rarer) words ranks higher.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "kb/sqlite_db.hpp"
#include "kb/vector_index.hpp"

namespace hearth::kb {

// The words of free text as FTS5 terms: lower-cased, deduplicated, in order.
std::vector<std::string> fts_terms(const std::string& text);
// The FTS5 MATCH expression for free text: "w1" OR "w2" ...; "" when the text has no word.
std::string fts_query(const std::string& text);

// BM25 search with one shortcut that keeps FTS5's ranking: a term found in more than half of
// the passages has IDF <= 0, which FTS5 clamps to 1e-6, so it cannot change the order of
// passages that match another term (by more than ~1e-6 of a score) — yet scoring its
// passages is what makes a query slow ("the" is in every passage). Such terms are left out
// when other terms remain; when that finds fewer than `limit` passages, the full query runs.
// Document frequencies are cached; call invalidate() after the index changes.
class Bm25Searcher {
 public:
  // The best `limit` chunks for the words of `text`; score = -bm25() (higher is better).
  std::vector<ScoredId> search(const Db& db, const std::string& text, size_t limit);
  void invalidate();

 private:
  int64_t doc_frequency(const Db& db, const std::string& term);
  std::unordered_map<std::string, int64_t> df_;
  int64_t n_rows_ = -1;
};

// The plain query, every term scored (the reference the shortcut is tested against).
std::vector<ScoredId> bm25_search(const Db& db, const std::string& match, size_t limit);

// Index maintenance, inside the caller's transaction. `text` must be exactly what was indexed
// for that row (FTS5 external-content deletes need the old text).
void fts_insert(const Db& db, int64_t rowid, const std::string& text);
void fts_delete(const Db& db, int64_t rowid, const std::string& text);

}  // namespace hearth::kb

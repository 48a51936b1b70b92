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
//
// Rare terms first (MaxScore, Turtle & Flood 1995): bm25() is a sum over the query's terms, each
// below IDF * (k1 + 1). When the passages that hold a rare term (df <= 5% of the passages)
// already give `limit` scores above the most the common terms could add together, no passage
// with only common terms can rank, so FTS5 scores only the passages with a rare term (one query)
// and those of them with a common one too ("(common) AND (rare)", whose bm25() is the full sum).
// Without it a mid-frequency word ("water", in 20% of the passages) makes FTS5 score and sort
// a fifth of the index for every query. Same ranking as the plain query (sums in another order:
// scores equal to ~1e-15).
class Bm25Searcher {
 public:
  // The best `limit` chunks for the words of `text`; score = -bm25() (higher is better).
  std::vector<ScoredId> search(const Db& db, const std::string& text, size_t limit);
  void invalidate();
  // Which plan the last search() ran (tests check each one against the plain query).
  enum class Plan { kAllTerms, kWithoutCommon, kRareFirst };
  Plan last_plan() const { return last_plan_; }

 private:
  int64_t doc_frequency(const Db& db, const std::string& term);
  // The rare-first plan for terms of df <= n/2; empty when it does not apply.
  std::vector<ScoredId> rare_first(const Db& db, const std::vector<std::string>& terms,
                                   size_t limit);
  std::unordered_map<std::string, int64_t> df_;
  int64_t n_rows_ = -1;
  Plan last_plan_ = Plan::kAllTerms;
};

// The plain query, every term scored (the reference the shortcut is tested against).
std::vector<ScoredId> bm25_search(const Db& db, const std::string& match, size_t limit);

// Index maintenance, inside the caller's transaction. `text` must be exactly what was indexed
// for that row (FTS5 external-content deletes need the old text).
void fts_insert(const Db& db, int64_t rowid, const std::string& text);
void fts_delete(const Db& db, int64_t rowid, const std::string& text);

}  // namespace hearth::kb

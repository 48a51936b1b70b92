#include "kb/fts.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <set>

namespace hearth::kb {

std::vector<std::string> fts_terms(const std::string& text) {
  // Words as FTS5's unicode61 tokenizer sees them, approximately: runs of ASCII letters and
  // digits and of any non-ASCII byte (letters of other scripts).
  std::vector<std::string> out;
  std::set<std::string> seen;
  const auto is_word = [](unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
  };
  size_t i = 0;
  while (i < text.size()) {
    if (!is_word(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && is_word(static_cast<unsigned char>(text[j]))) ++j;
    std::string w = text.substr(i, j - i);
    for (auto& c : w)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (seen.insert(w).second) out.push_back(w);
    i = j;
  }
  return out;
}

namespace {

// Quoting makes each word a plain term, whatever FTS5's query syntax would make of it.
std::string or_query(const std::vector<std::string>& terms) {
  std::string out;
  for (const std::string& t : terms) out += (out.empty() ? "\"" : " OR \"") + t + "\"";
  return out;
}

}  // namespace

std::string fts_query(const std::string& text) {
  return or_query(fts_terms(text));
}

std::vector<ScoredId> bm25_search(const Db& db, const std::string& match, size_t limit) {
  std::vector<ScoredId> out;
  if (match.empty() || limit == 0) return out;
  Stmt st(db,
          "SELECT rowid, bm25(chunks_fts) FROM chunks_fts WHERE chunks_fts MATCH ?1 "
          "ORDER BY bm25(chunks_fts), rowid LIMIT ?2");
  st.bind_text(1, match).bind(2, static_cast<int64_t>(limit));
  while (st.step()) out.push_back({st.int64(0), static_cast<float>(-st.real(1))});
  return out;
}

void Bm25Searcher::invalidate() {
  df_.clear();
  n_rows_ = -1;
}

int64_t Bm25Searcher::doc_frequency(const Db& db, const std::string& term) {
  auto it = df_.find(term);
  if (it != df_.end()) return it->second;
  // fts5vocab reads the term's entry of the index directly.
  Stmt st(db, "SELECT doc FROM temp.kb_fts_vocab WHERE term = ?");
  st.bind_text(1, term);
  const int64_t df = st.step() ? st.int64(0) : 0;
  df_.emplace(term, df);
  return df;
}

namespace {

constexpr double kK1 = 1.2;                // FTS5's bm25() constant
constexpr size_t kMaxRareMatches = 20000;  // beyond this the rare-first plan saves little

// FTS5's IDF (fts5_aux.c): log((N - df + 0.5) / (df + 0.5)), at least 1e-6.
double fts5_idf(int64_t n, int64_t df) {
  const double idf =
      std::log((static_cast<double>(n - df) + 0.5) / (static_cast<double>(df) + 0.5));
  return idf <= 0.0 ? 1e-6 : idf;
}

struct RowScore {
  int64_t rowid;
  double score;  // -bm25()
};

// Every match of `match` with its score, unsorted; false when there are more than max_rows.
bool all_matches(const Db& db, const std::string& match, size_t max_rows,
                 std::vector<RowScore>* out) {
  Stmt st(db, "SELECT rowid, bm25(chunks_fts) FROM chunks_fts WHERE chunks_fts MATCH ?1");
  st.bind_text(1, match);
  while (st.step()) {
    if (out->size() >= max_rows) return false;
    out->push_back({st.int64(0), -st.real(1)});
  }
  return true;
}

}  // namespace

std::vector<ScoredId> Bm25Searcher::rare_first(const Db& db, const std::vector<std::string>& terms,
                                               size_t limit) {
  std::vector<std::string> rare, common;
  double common_max = 0;  // the most the common terms can add to a passage's score
  for (const std::string& t : terms) {
    const int64_t df = doc_frequency(db, t);
    if (df * 20 <= n_rows_) {
      if (df > 0) rare.push_back(t);
    } else {
      common.push_back(t);
      common_max += fts5_idf(n_rows_, df) * (kK1 + 1);
    }
  }
  if (rare.empty() || common.empty()) return {};
  // FTS5 counts its own rows; a margin for any difference (it only decides whether to prune).
  common_max = common_max * 1.1 + 1e-9;
  std::vector<RowScore> with_rare;
  if (!all_matches(db, or_query(rare), kMaxRareMatches, &with_rare) || with_rare.size() < limit)
    return {};
  std::vector<double> s;
  s.reserve(with_rare.size());
  for (const RowScore& r : with_rare) s.push_back(r.score);
  std::nth_element(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(limit - 1), s.end(),
                   std::greater<double>());
  // `limit` passages score at least s[limit - 1] with their rare terms alone; a passage
  // without one scores at most common_max.
  if (!(s[limit - 1] > common_max)) return {};
  std::vector<RowScore> with_both;
  all_matches(db, "(" + or_query(common) + ") AND (" + or_query(rare) + ")", SIZE_MAX, &with_both);
  std::unordered_map<int64_t, double> full;
  full.reserve(with_both.size());
  for (const RowScore& r : with_both) full.emplace(r.rowid, r.score);
  for (RowScore& r : with_rare)
    if (auto it = full.find(r.rowid); it != full.end()) r.score = it->second;
  // The plain query's order: ORDER BY bm25(), rowid.
  const auto better = [](const RowScore& a, const RowScore& b) {
    return a.score > b.score || (a.score == b.score && a.rowid < b.rowid);
  };
  std::partial_sort(with_rare.begin(), with_rare.begin() + static_cast<std::ptrdiff_t>(limit),
                    with_rare.end(), better);
  std::vector<ScoredId> out;
  for (size_t i = 0; i < limit; ++i)
    out.push_back({with_rare[i].rowid, static_cast<float>(with_rare[i].score)});
  return out;
}

std::vector<ScoredId> Bm25Searcher::search(const Db& db, const std::string& text, size_t limit) {
  last_plan_ = Plan::kAllTerms;
  const std::vector<std::string> terms = fts_terms(text);
  if (terms.empty() || limit == 0) return {};
  if (terms.size() > 1) {
    if (n_rows_ < 0) {
      const_cast<Db&>(db).exec(
          "CREATE VIRTUAL TABLE IF NOT EXISTS temp.kb_fts_vocab USING fts5vocab(main, chunks_fts, "
          "row)");
      Stmt n(db, "SELECT count(*) FROM chunks");
      n_rows_ = n.step() ? n.int64(0) : 0;
    }
    std::vector<std::string> kept;
    for (const std::string& t : terms)
      if (2 * doc_frequency(db, t) <= n_rows_) kept.push_back(t);
    // Both shortcuts leave out the terms in more than half of the passages; rare-first always
    // returns `limit` passages when it applies.
    if (kept.size() > 1) {
      auto hits = rare_first(db, kept, limit);
      if (!hits.empty()) {
        last_plan_ = Plan::kRareFirst;
        return hits;
      }
    }
    if (!kept.empty() && kept.size() < terms.size()) {
      auto hits = bm25_search(db, or_query(kept), limit);
      if (hits.size() >= limit) {
        last_plan_ = Plan::kWithoutCommon;
        return hits;
      }
    }
  }
  return bm25_search(db, or_query(terms), limit);
}
void fts_insert(const Db& db, int64_t rowid, const std::string& text) {
  Stmt st(db, "INSERT INTO chunks_fts(rowid, text) VALUES(?, ?)");
  st.bind(1, rowid).bind_text(2, text);
  st.run();
}

void fts_delete(const Db& db, int64_t rowid, const std::string& text) {
  Stmt st(db, "INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES('delete', ?, ?)");
  st.bind(1, rowid).bind_text(2, text);
  st.run();
}

}  // namespace hearth::kb

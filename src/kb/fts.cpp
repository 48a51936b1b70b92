#include "kb/fts.hpp"

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

std::vector<ScoredId> Bm25Searcher::search(const Db& db, const std::string& text, size_t limit) {
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
    if (!kept.empty() && kept.size() < terms.size()) {
      auto hits = bm25_search(db, or_query(kept), limit);
      if (hits.size() >= limit) return hits;
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

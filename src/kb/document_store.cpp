#include "kb/document_store.hpp"

#include "hearth/error.hpp"
#include "kb/fts.hpp"

namespace hearth::kb {
namespace {

DocumentRecord read_doc(const Stmt& st) {
  DocumentRecord d;
  d.id = st.int64(0);
  d.path = st.text(1);
  d.hash = st.text(2);
  d.mtime_ns = st.int64(3);
  d.size = st.int64(4);
  d.kind = st.text(5);
  d.n_chunks = static_cast<int>(st.int64(6));
  d.note = st.is_null(7) ? "" : st.text(7);
  return d;
}

constexpr const char* kDocColumns = "id, path, hash, mtime_ns, size, kind, n_chunks, note";

}  // namespace

std::optional<DocumentRecord> DocumentStore::find(const std::string& path) const {
  Stmt st(db_, (std::string("SELECT ") + kDocColumns + " FROM documents WHERE path=?").c_str());
  st.bind_text(1, path);
  if (!st.step()) return std::nullopt;
  return read_doc(st);
}

std::vector<DocumentRecord> DocumentStore::list() const {
  Stmt st(db_, (std::string("SELECT ") + kDocColumns + " FROM documents ORDER BY path").c_str());
  std::vector<DocumentRecord> out;
  while (st.step()) out.push_back(read_doc(st));
  return out;
}

std::string DocumentStore::open_text(const void* bytes, size_t n) const {
  std::string raw(static_cast<const char*>(bytes), n);
  return seal_ ? seal_->open(raw) : raw;
}

void DocumentStore::delete_chunks(int64_t doc_id) {
  if (fts_) {
    // External-content FTS5 forgets a row only when told its exact old text.
    Stmt old(db_, "SELECT id, text FROM chunks WHERE doc_id=?");
    old.bind(1, doc_id);
    while (old.step()) {
      size_t n = 0;
      const void* p = old.blob(1, &n);
      fts_delete(db_, old.int64(0), open_text(p, n));
    }
  }
  Stmt dv(db_,
          "DELETE FROM chunk_vectors WHERE chunk_id IN (SELECT id FROM chunks WHERE doc_id=?)");
  dv.bind(1, doc_id);
  dv.run();
  Stmt dc(db_, "DELETE FROM chunks WHERE doc_id=?");
  dc.bind(1, doc_id);
  dc.run();
}

std::vector<int64_t> DocumentStore::replace(const DocumentRecord& doc,
                                            const std::vector<NewChunk>& chunks,
                                            const std::vector<float>& vectors, int dim) {
  if (vectors.size() != chunks.size() * static_cast<size_t>(dim))
    hearth::fail(Status::kInternal, "chunk and vector counts differ");
  Transaction tx(db_);
  if (auto old = find(doc.path)) {
    delete_chunks(old->id);
    Stmt dd(db_, "DELETE FROM documents WHERE id=?");
    dd.bind(1, old->id);
    dd.run();
  }
  Stmt ins(db_,
           "INSERT INTO documents(path, hash, mtime_ns, size, kind, n_chunks, note) "
           "VALUES(?, ?, ?, ?, ?, ?, ?)");
  ins.bind_text(1, doc.path).bind_text(2, doc.hash).bind(3, doc.mtime_ns).bind(4, doc.size);
  ins.bind_text(5, doc.kind).bind(6, static_cast<int64_t>(chunks.size()));
  if (doc.note.empty())
    ins.bind_null(7);
  else
    ins.bind_text(7, doc.note);
  ins.run();
  const int64_t doc_id = db_.last_insert_rowid();

  Stmt ic(db_,
          "INSERT INTO chunks(doc_id, seq, byte_start, byte_end, page, line, n_tokens, text) "
          "VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
  Stmt iv(db_, "INSERT INTO chunk_vectors(chunk_id, vector) VALUES(?, ?)");
  std::vector<int64_t> ids;
  ids.reserve(chunks.size());
  for (size_t i = 0; i < chunks.size(); ++i) {
    const NewChunk& c = chunks[i];
    ic.bind(1, doc_id).bind(2, static_cast<int64_t>(i));
    ic.bind(3, static_cast<int64_t>(c.byte_start)).bind(4, static_cast<int64_t>(c.byte_end));
    if (c.page > 0)
      ic.bind(5, static_cast<int64_t>(c.page));
    else
      ic.bind_null(5);
    if (c.line > 0)
      ic.bind(6, static_cast<int64_t>(c.line));
    else
      ic.bind_null(6);
    ic.bind(7, static_cast<int64_t>(c.n_tokens));
    if (seal_) {
      const std::string sealed = seal_->seal(c.text);
      ic.bind_blob(8, sealed.data(), sealed.size());
    } else {
      ic.bind_text(8, c.text);
    }
    ic.run();
    const int64_t id = db_.last_insert_rowid();
    ids.push_back(id);
    iv.bind(1, id).bind_blob(2, vectors.data() + i * static_cast<size_t>(dim),
                             static_cast<size_t>(dim) * sizeof(float));
    iv.run();
    if (fts_) fts_insert(db_, id, c.text);
  }
  tx.commit();
  return ids;
}

void DocumentStore::touch(const std::string& path, int64_t mtime_ns, int64_t size) {
  Stmt st(db_, "UPDATE documents SET mtime_ns=?, size=? WHERE path=?");
  st.bind(1, mtime_ns).bind(2, size).bind_text(3, path);
  st.run();
}

bool DocumentStore::remove(const std::string& path) {
  Transaction tx(db_);
  const auto old = find(path);
  if (!old) return false;
  delete_chunks(old->id);
  Stmt dd(db_, "DELETE FROM documents WHERE id=?");
  dd.bind(1, old->id);
  dd.run();
  tx.commit();
  return true;
}

}  // namespace hearth::kb

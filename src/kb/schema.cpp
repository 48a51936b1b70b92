#include "kb/schema.hpp"

#include "hearth/error.hpp"

namespace hearth::kb {
namespace {

int pragma_int(const Db& db, const char* sql) {
  Stmt st(db, sql);
  return st.step() ? static_cast<int>(st.int64(0)) : 0;
}

// Version 0 -> 1: the initial schema.
void migrate_to_1(Db& db) {
  db.exec(
      "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
      "CREATE TABLE documents("
      "  id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, hash TEXT NOT NULL,"
      "  mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL, kind TEXT NOT NULL,"
      "  n_chunks INTEGER NOT NULL, note TEXT);"
      "CREATE TABLE chunks("
      "  id INTEGER PRIMARY KEY, doc_id INTEGER NOT NULL REFERENCES documents(id),"
      "  seq INTEGER NOT NULL, byte_start INTEGER NOT NULL, byte_end INTEGER NOT NULL,"
      "  page INTEGER, line INTEGER, n_tokens INTEGER NOT NULL, text BLOB NOT NULL,"
      "  UNIQUE(doc_id, seq));"
      "CREATE TABLE chunk_vectors(chunk_id INTEGER PRIMARY KEY REFERENCES chunks(id),"
      "  vector BLOB NOT NULL);"
      // External content: FTS5 reads chunks.text when it needs the text; the document store
      // issues the matching 'delete' commands itself (no triggers: with an encrypted text
      // column the index must be fed the plaintext, which only the store has).
      "CREATE VIRTUAL TABLE chunks_fts USING fts5(text, content='chunks', content_rowid='id',"
      "  tokenize='unicode61 remove_diacritics 2');");
}

}  // namespace

void prepare_schema(Db& db, bool read_only) {
  const int app_id = pragma_int(db, "PRAGMA application_id");
  const int version = pragma_int(db, "PRAGMA user_version");
  const bool empty = pragma_int(db, "SELECT count(*) FROM sqlite_master") == 0;
  if (!empty && app_id != kApplicationId)
    hearth::fail(Status::kInvalidArgument,
                 db.path() + " is a SQLite database but not a hearth knowledge base");
  if (version > kSchemaVersion)
    hearth::fail(Status::kUnsupported,
                 "knowledge base " + db.path() + " has format version " + std::to_string(version) +
                     ", newer than this hearth reads (" + std::to_string(kSchemaVersion) +
                     "): upgrade hearth, or rebuild the knowledge base");
  if (read_only) {
    if (empty) hearth::fail(Status::kInvalidArgument, db.path() + " is an empty database");
    return;
  }
  // WAL: readers (a search) never block the writer and a killed writer leaves the last
  // committed state; synchronous=NORMAL is crash-safe for application crashes in WAL mode
  // (only a power loss may drop the last transactions, never corrupt the file).
  db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
  if (version == kSchemaVersion) return;
  Transaction tx(db);
  // Re-read under the write lock: another process may have created the schema meanwhile.
  const int v = pragma_int(db, "PRAGMA user_version");
  if (v < 1) migrate_to_1(db);
  db.exec(("PRAGMA application_id=" + std::to_string(kApplicationId) +
           "; PRAGMA user_version=" + std::to_string(kSchemaVersion))
              .c_str());
  tx.commit();
}

std::string get_meta(const Db& db, const std::string& key, const std::string& fallback) {
  Stmt st(db, "SELECT value FROM meta WHERE key=?");
  st.bind_text(1, key);
  return st.step() ? st.text(0) : fallback;
}

void set_meta(Db& db, const std::string& key, const std::string& value) {
  Stmt st(db, "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=?2");
  st.bind_text(1, key).bind_text(2, value);
  st.run();
}

}  // namespace hearth::kb

#include "kb/sqlite_db.hpp"

#include <sqlite3.h>

#include "hearth/error.hpp"

namespace hearth::kb {

Db::Db(const std::string& path, bool create, bool read_only) : path_(path) {
  int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (create && !read_only) flags |= SQLITE_OPEN_CREATE;
  // NOMUTEX: one thread per connection (documented); no URI interpretation of user paths.
  flags |= SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    hearth::fail(Status::kIoError, "cannot open knowledge base " + path + ": " + msg);
  }
  sqlite3_extended_result_codes(db_, 1);
  // Another process (a running `kb add`) may hold the write lock for one document's
  // transaction: wait for it instead of failing at once.
  sqlite3_busy_timeout(db_, 10000);
}

Db::~Db() {
  sqlite3_close_v2(db_);
}

void Db::fail(int rc, const std::string& what) const {
  std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  if ((rc & 0xff) == SQLITE_NOTADB) msg = "not a SQLite database (" + msg + ")";
  hearth::fail(Status::kIoError, "knowledge base " + path_ + ": " + what + ": " + msg);
}

void Db::exec(const char* sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    const std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    hearth::fail(Status::kIoError, "knowledge base " + path_ + ": " + msg);
  }
}

int64_t Db::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_);
}

Stmt::Stmt(const Db& db, const char* sql) : db_(db) {
  const int rc = sqlite3_prepare_v2(db.handle(), sql, -1, &st_, nullptr);
  if (rc != SQLITE_OK) db.fail(rc, "preparing a statement");
}

Stmt::~Stmt() {
  sqlite3_finalize(st_);
}

Stmt& Stmt::bind(int i, int64_t v) {
  sqlite3_bind_int64(st_, i, v);
  return *this;
}
Stmt& Stmt::bind(int i, double v) {
  sqlite3_bind_double(st_, i, v);
  return *this;
}
Stmt& Stmt::bind_text(int i, std::string_view v) {
  sqlite3_bind_text64(st_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}
Stmt& Stmt::bind_blob(int i, const void* data, size_t n) {
  // A zero-length blob, not NULL, for an empty value (NOT NULL columns).
  static const char empty = 0;
  sqlite3_bind_blob64(st_, i, n ? data : &empty, n, SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind_null(int i) {
  sqlite3_bind_null(st_, i);
  return *this;
}

bool Stmt::step() {
  const int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const int code = rc;
  sqlite3_reset(st_);
  db_.fail(code, "executing a statement");
}

void Stmt::run() {
  while (step()) {
  }
  reset();
}

void Stmt::reset() {
  sqlite3_reset(st_);
  sqlite3_clear_bindings(st_);
}

int64_t Stmt::int64(int col) const {
  return sqlite3_column_int64(st_, col);
}
double Stmt::real(int col) const {
  return sqlite3_column_double(st_, col);
}
bool Stmt::is_null(int col) const {
  return sqlite3_column_type(st_, col) == SQLITE_NULL;
}
std::string Stmt::text(int col) const {
  const void* p = sqlite3_column_blob(st_, col);
  const int n = sqlite3_column_bytes(st_, col);
  return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}
const void* Stmt::blob(int col, size_t* n) const {
  const void* p = sqlite3_column_blob(st_, col);
  *n = static_cast<size_t>(sqlite3_column_bytes(st_, col));
  return p;
}

Transaction::Transaction(Db& db) : db_(db) {
  // IMMEDIATE takes the write lock now, so the transaction cannot fail half-way with BUSY.
  db_.exec("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  if (!done_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace hearth::kb

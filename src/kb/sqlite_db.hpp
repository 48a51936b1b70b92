// hearth::kb::Db — a thin RAII layer over the SQLite C API (Debian's libsqlite3) for the
// knowledge base: a connection, prepared statements and transactions. Every failure becomes a
// hearth::Error naming the database file and SQLite's own message, so callers never see a raw
// result code.
//
// Threads: a Db and its statements belong to one thread at a time (SQLite's serialized mode is
// not relied on).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace hearth::kb {

class Db {
 public:
  // Opens (or with `create`, creates) the file. Read-only connections cannot write.
  Db(const std::string& path, bool create, bool read_only);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }
  void exec(const char* sql);
  int64_t last_insert_rowid() const;
  // Throws kIoError "database PATH: <what>: <sqlite message>" for result code `rc`.
  [[noreturn]] void fail(int rc, const std::string& what) const;

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

class Stmt {
 public:
  Stmt(const Db& db, const char* sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // Parameters are 1-based, as in SQLite.
  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, double v);
  Stmt& bind_text(int i, std::string_view v);
  Stmt& bind_blob(int i, const void* data, size_t n);
  Stmt& bind_null(int i);
  // Runs one step: true when a row is ready, false when the statement is done.
  bool step();
  // Runs to completion (for statements without result rows) and resets for reuse.
  void run();
  void reset();

  int64_t int64(int col) const;
  double real(int col) const;
  bool is_null(int col) const;
  std::string text(int col) const;
  // Blob bytes, valid until the next step/reset.
  const void* blob(int col, size_t* n) const;

 private:
  const Db& db_;
  sqlite3_stmt* st_ = nullptr;
};

// BEGIN IMMEDIATE .. COMMIT; the destructor rolls back when commit() was not reached (an
// exception), so a document is either fully stored or not at all.
class Transaction {
 public:
  explicit Transaction(Db& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Db& db_;
  bool done_ = false;
};

}  // namespace hearth::kb

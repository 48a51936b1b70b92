// The documents and their chunks in the database. Every change to one document (its row, its
// chunks, their vectors and FTS entries) is one transaction: a process killed at any moment
// leaves each document either fully indexed in its old state or in its new one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kb/sqlite_db.hpp"
#include "kb/text_seal.hpp"

namespace hearth::kb {

struct DocumentRecord {
  int64_t id = 0;
  std::string path;  // absolute, lexically normal
  std::string hash;  // SHA-256 of the file's bytes, hex
  int64_t mtime_ns = 0;
  int64_t size = 0;
  std::string kind;
  int n_chunks = 0;
  std::string note;  // why a document has no chunks ("no text"), else empty
};

struct NewChunk {
  size_t byte_start = 0, byte_end = 0;
  int page = 0;  // 0: none (stored as NULL)
  int line = 0;  // 0: none
  int n_tokens = 0;
  std::string text;
};

class DocumentStore {
 public:
  // `seal` encrypts the stored text (null: plaintext); `fts` maintains the keyword index.
  DocumentStore(Db& db, const TextSeal* seal, bool fts) : db_(db), seal_(seal), fts_(fts) {}

  std::optional<DocumentRecord> find(const std::string& path) const;
  std::vector<DocumentRecord> list() const;
  // Inserts or replaces the document with these chunks and vectors (chunks.size() x dim
  // floats) in one transaction; returns the new chunk ids.
  std::vector<int64_t> replace(const DocumentRecord& doc, const std::vector<NewChunk>& chunks,
                               const std::vector<float>& vectors, int dim);
  // The file was touched but its bytes are unchanged.
  void touch(const std::string& path, int64_t mtime_ns, int64_t size);
  // Removes the document and its chunks; false when it was not indexed.
  bool remove(const std::string& path);

  // The stored text of a chunk, decrypted when sealed.
  std::string open_text(const void* bytes, size_t n) const;

 private:
  void delete_chunks(int64_t doc_id);

  Db& db_;
  const TextSeal* seal_;
  bool fts_;
};

}  // namespace hearth::kb

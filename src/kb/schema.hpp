// The knowledge base's on-disk format: one SQLite file in WAL mode.
//
//   meta(key, value)            format facts: embed_model, embed_source, dim, chunk_tokens,
//                               chunk_overlap, encrypted
//   documents(id, path, hash, mtime_ns, size, kind, n_chunks, note)
//                               one row per indexed file; hash = SHA-256 of the file's bytes
//   chunks(id, doc_id, seq, byte_start, byte_end, page, line, n_tokens, text)
//                               byte offsets into the document's extracted UTF-8 text; page
//                               (PDF, 1-based) or line (text, HTML; 1-based), the other NULL
//   chunk_vectors(chunk_id, vector)   dim float32 values (little-endian), L2-normalized
//   chunks_fts                  FTS5 over chunks.text (external content: no second copy of the
//                               text), kept in step by the document store in the same
//                               transaction
//
// PRAGMA application_id marks the file as a hearth knowledge base; PRAGMA user_version is the
// format version. A file from a newer hearth (higher version) is refused with a message rather
// than misread; older versions are migrated in place, one step per version, in a transaction.
#pragma once

#include <string>

#include "kb/sqlite_db.hpp"

namespace hearth::kb {

constexpr int kSchemaVersion = 1;
constexpr int kApplicationId = 0x4852544b;  // "HRTK"

// Sets the connection up (WAL, foreign keys) and creates or migrates the schema. A read-only
// connection only checks the version. Throws kUnsupported for a newer format and
// kInvalidArgument for a SQLite file that is not a knowledge base.
void prepare_schema(Db& db, bool read_only);

// meta table access; get_meta returns `fallback` when the key is absent.
std::string get_meta(const Db& db, const std::string& key, const std::string& fallback = "");
void set_meta(Db& db, const std::string& key, const std::string& value);

}  // namespace hearth::kb

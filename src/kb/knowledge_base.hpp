// hearth::kb::KnowledgeBase — a local knowledge base in one SQLite file (schema.hpp): index
// files (add, sync, remove) and search them by meaning (vectors), keywords (BM25) or both
// fused by reciprocal rank.
//
// A knowledge base records the embedding model it was built with (model id and dimension):
// binding another model is an error, since its vectors would not be comparable.
//
// Threads: one KnowledgeBase per thread. Several processes may use one file at once (SQLite
// WAL: searches read while one writer indexes).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/file_key.hpp"
#include "kb/chunker.hpp"
#include "kb/document_store.hpp"
#include "kb/fts.hpp"
#include "kb/sqlite_db.hpp"
#include "kb/text_embedder.hpp"
#include "kb/vector_index.hpp"

namespace hearth {
class ThreadPool;
}

namespace hearth::kb {

struct KbOptions {
  bool create = false;  // create the file when it does not exist
  // Seal the stored passages (text_seal.hpp). Needed to open an encrypted knowledge base;
  // given for an empty one, it makes it encrypted.
  std::shared_ptr<const crypto::FileKey> key;
  // Chunking of a new knowledge base (recorded; later runs use the recorded values). 0: the
  // default (256 tokens, or the model's limit if smaller; overlap 1/8 of it).
  int chunk_tokens = 0;
  int chunk_overlap = -1;
};

struct KbInfo {
  std::string model_id;      // "" until the first document is added
  std::string embed_source;  // how the model was given (-m) when the knowledge base was made
  int dim = 0;
  ChunkParams chunk;
  bool encrypted = false;
  int64_t n_documents = 0;
  int64_t n_chunks = 0;
};

struct FileIssue {
  std::string path;
  std::string message;
  bool error = true;  // false: a warning (indexed, but e.g. no text was found)
};

struct IndexReport {
  int files_indexed = 0;    // new or changed, (re)embedded
  int files_unchanged = 0;  // same size+mtime, or same content hash
  int files_removed = 0;    // sync: no longer on disk
  int files_failed = 0;
  int64_t chunks_added = 0;
  double seconds = 0;        // the whole run
  double embed_seconds = 0;  // of which computing embeddings
  std::vector<FileIssue> issues;
};

struct IndexOptions {
  int64_t max_file_bytes = int64_t{64} << 20;  // larger files are refused (a clear issue)
  int embed_batch = 32;                        // texts per embed() call
  // Mask e-mail addresses, phone and card numbers (safety::redact) in the passages before they
  // are embedded and stored: neither the text, the keyword index nor a search shows them.
  // Byte offsets and page/line numbers still refer to the source file.
  bool redact = false;
  // Called after each file: its path and "indexed", "unchanged", "failed" or "removed".
  std::function<void(const std::string& path, const std::string& what)> on_file;
};

enum class SearchMode { kHybrid, kVector, kBm25 };
// "hybrid", "vector", "bm25" (kInvalidArgument otherwise).
SearchMode parse_search_mode(const std::string& name);

struct SearchOptions {
  size_t k = 5;
  SearchMode mode = SearchMode::kHybrid;
  size_t candidates = 0;  // per list before fusion; 0: max(4k, 40)
  // Reranks the fused candidates (a reranking model, can_rerank()); null: no reranking.
  const TextEmbedder* reranker = nullptr;
  ScanMethod scan = ScanMethod::kQ8;  // exact in every case; docs/kb.md has the timings
  // Threads of the vector scan (the knowledge base keeps a pool of this size); 1: the caller's.
  int threads = 1;
};

struct SearchHit {
  int64_t chunk_id = 0;
  std::string path;
  int seq = 0;   // chunk number within the document, from 0
  int page = 0;  // 0: none
  int line = 0;  // 0: none
  int64_t byte_start = 0, byte_end = 0;
  double score = 0;  // hybrid: RRF; vector: cosine; bm25: -bm25(); reranked: the reranker's
  int vector_rank = 0, bm25_rank = 0;  // 1-based positions in each list (0: absent)
  std::string text;
};

class KnowledgeBase {
 public:
  // kIoError when the file cannot be opened (or does not exist without `create`),
  // kUnsupported for a newer format, kInvalidArgument for a wrong or missing key.
  static std::unique_ptr<KnowledgeBase> open(const std::string& path, const KbOptions& options);
  ~KnowledgeBase();

  KbInfo info() const;
  // Binds the model used to embed documents and queries. A knowledge base without documents
  // records it (`source` is how to find it again, e.g. the -m argument); otherwise its id and
  // dimension must match what is recorded (kInvalidArgument naming both).
  void set_embedder(std::shared_ptr<const TextEmbedder> embedder, const std::string& source);
  const TextEmbedder* embedder() const { return embedder_.get(); }

  // Files and folders (recursively; files of the known kinds, hidden entries skipped). New
  // and changed files are (re)indexed, one transaction per file; problems with one file are
  // reported in the IndexReport and do not stop the others.
  IndexReport add(const std::vector<std::string>& paths, const IndexOptions& options = {});
  // `add` for a folder, then removes the documents under it whose files are gone.
  IndexReport sync(const std::string& dir, const IndexOptions& options = {});
  // Removes documents: files, or every document under a folder. Returns how many.
  int remove(const std::vector<std::string>& paths);

  std::vector<SearchHit> search(const std::string& query, const SearchOptions& options);
  // Search with a given query vector (benchmarks: random vectors without an embedder).
  std::vector<SearchHit> search_vector(const std::string& query_text, const float* query_vec,
                                       const SearchOptions& options);
  // Loads the vectors (and makes their Q8_0 copy) now, else on the first search; returns how
  // many. They stay in memory until documents change.
  size_t load_vectors();

  std::vector<DocumentRecord> documents() const;
  Db& db() { return *db_; }
  // Absolute, lexically normal form of a path, as documents are keyed.
  static std::string normalize_path(const std::string& path);

 private:
  KnowledgeBase() = default;
  struct FileOutcome;
  FileOutcome index_file(const std::string& path, const IndexOptions& options, IndexReport& report);
  void ensure_model_recorded();
  // Drops what searches cached (the vectors, BM25 document frequencies).
  void documents_changed() {
    index_.reset();
    bm25_.invalidate();
  }
  ChunkParams chunk_params() const;

  std::unique_ptr<Db> db_;
  std::unique_ptr<TextSeal> seal_;
  std::unique_ptr<DocumentStore> store_;
  std::shared_ptr<const TextEmbedder> embedder_;
  std::unique_ptr<VectorIndex> index_;  // null until loaded; dropped when documents change
  std::unique_ptr<ThreadPool> pool_;    // the vector scan's threads (SearchOptions::threads > 1)
  Bm25Searcher bm25_;
  KbOptions options_;
  std::string embed_source_;
  bool encrypted_ = false;
};

}  // namespace hearth::kb

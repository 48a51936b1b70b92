// KnowledgeBase: opening, the recorded model, removal. Indexing is in indexer.cpp and
// sync.cpp, searching in search.cpp.
#include "kb/knowledge_base.hpp"
#include "core/thread_pool.hpp"

#include <filesystem>

#include "hearth/error.hpp"
#include "kb/schema.hpp"

namespace hearth::kb {
namespace {

constexpr const char* kKeyCheck = "hearth knowledge base key check";

int64_t count_rows(const Db& db, const char* sql) {
  Stmt st(db, sql);
  return st.step() ? st.int64(0) : 0;
}

}  // namespace

KnowledgeBase::~KnowledgeBase() = default;

std::string KnowledgeBase::normalize_path(const std::string& path) {
  return std::filesystem::absolute(std::filesystem::path(path)).lexically_normal().string();
}

std::unique_ptr<KnowledgeBase> KnowledgeBase::open(const std::string& path,
                                                   const KbOptions& options) {
  if (!options.create && !std::filesystem::exists(path))
    hearth::fail(Status::kIoError, "knowledge base " + path + " does not exist");
  std::unique_ptr<KnowledgeBase> kb(new KnowledgeBase());
  kb->options_ = options;
  kb->db_ = std::make_unique<Db>(path, options.create, false);
  prepare_schema(*kb->db_, false);
  Db& db = *kb->db_;
  // Searches read the FTS5 term lists and passage rows: SQLite's default 2 MB page cache sends
  // most of those reads back to the kernel (a read() per page) on every query. A 64 MB cache
  // and reads through a 1 GB memory map keep them in this process. Writes still go through the
  // WAL, so crash safety is unchanged; the map is address space, not memory.
  db.exec("PRAGMA cache_size=-65536; PRAGMA mmap_size=1073741824;");
  const bool encrypted = get_meta(db, "encrypted") == "1";
  if (encrypted) {
    if (!options.key)
      hearth::fail(Status::kInvalidArgument,
                   "knowledge base " + path + " is encrypted: give its key file");
    kb->seal_ = std::make_unique<TextSeal>(options.key);
    try {
      if (kb->seal_->open(get_meta(db, "key_check")) != kKeyCheck) throw Error(Status::kOk, "");
    } catch (const Error&) {
      hearth::fail(Status::kInvalidArgument,
                   "knowledge base " + path + " is encrypted with another key");
    }
  } else if (options.key) {
    if (count_rows(db, "SELECT count(*) FROM documents") > 0)
      hearth::fail(Status::kInvalidArgument,
                   "knowledge base " + path +
                       " is not encrypted and already has documents: build a new one to encrypt");
    kb->seal_ = std::make_unique<TextSeal>(options.key);
    Transaction tx(db);
    set_meta(db, "encrypted", "1");
    set_meta(db, "key_check", kb->seal_->seal(kKeyCheck));
    tx.commit();
  }
  kb->encrypted_ = kb->seal_ != nullptr;
  // An encrypted knowledge base keeps no keyword index (its term lists would be the text).
  kb->store_ = std::make_unique<DocumentStore>(db, kb->seal_.get(), !kb->encrypted_);
  return kb;
}

KbInfo KnowledgeBase::info() const {
  KbInfo i;
  i.model_id = get_meta(*db_, "embed_model");
  i.embed_source = get_meta(*db_, "embed_source");
  i.dim = std::atoi(get_meta(*db_, "dim", "0").c_str());
  i.chunk.max_tokens = std::atoi(get_meta(*db_, "chunk_tokens", "0").c_str());
  i.chunk.overlap_tokens = std::atoi(get_meta(*db_, "chunk_overlap", "0").c_str());
  i.encrypted = encrypted_;
  i.n_documents = count_rows(*db_, "SELECT count(*) FROM documents");
  i.n_chunks = count_rows(*db_, "SELECT count(*) FROM chunks");
  return i;
}

void KnowledgeBase::set_embedder(std::shared_ptr<const TextEmbedder> embedder,
                                 const std::string& source) {
  const std::string recorded = get_meta(*db_, "embed_model");
  if (!recorded.empty()) {
    const int dim = std::atoi(get_meta(*db_, "dim", "0").c_str());
    if (recorded != embedder->model_id() || dim != embedder->dim())
      hearth::fail(Status::kInvalidArgument,
                   "knowledge base " + db_->path() + " was built with embedding model '" +
                       recorded + "' (" + std::to_string(dim) + " dimensions); '" +
                       embedder->model_id() + "' (" + std::to_string(embedder->dim()) +
                       " dimensions) would give incomparable vectors: use the same model or "
                       "build a new knowledge base");
  }
  embedder_ = std::move(embedder);
  embed_source_ = source;
}

void KnowledgeBase::ensure_model_recorded() {
  if (!embedder_) hearth::fail(Status::kInvalidArgument, "no embedding model given (-m)");
  if (!get_meta(*db_, "embed_model").empty()) return;
  ChunkParams p;
  const int limit = std::max(8, embedder_->max_tokens());
  p.max_tokens = options_.chunk_tokens > 0 ? options_.chunk_tokens : std::min(256, limit);
  if (p.max_tokens > limit)
    hearth::fail(Status::kInvalidArgument, "chunk size " + std::to_string(p.max_tokens) +
                                               " exceeds the model's " + std::to_string(limit) +
                                               " tokens");
  p.overlap_tokens = options_.chunk_overlap >= 0 ? options_.chunk_overlap : p.max_tokens / 8;
  validate_chunk_params(p);
  Transaction tx(*db_);
  set_meta(*db_, "embed_model", embedder_->model_id());
  set_meta(*db_, "embed_source", embed_source_);
  set_meta(*db_, "dim", std::to_string(embedder_->dim()));
  set_meta(*db_, "chunk_tokens", std::to_string(p.max_tokens));
  set_meta(*db_, "chunk_overlap", std::to_string(p.overlap_tokens));
  tx.commit();
}

ChunkParams KnowledgeBase::chunk_params() const {
  return info().chunk;
}

std::vector<DocumentRecord> KnowledgeBase::documents() const {
  return store_->list();
}

int KnowledgeBase::remove(const std::vector<std::string>& paths) {
  int removed = 0;
  for (const std::string& p : paths) {
    const std::string norm = normalize_path(p);
    if (store_->remove(norm)) {
      ++removed;
      continue;
    }
    // A folder: every document below it.
    std::string prefix = norm;
    if (prefix.empty() || prefix.back() != '/') prefix += '/';
    for (const DocumentRecord& d : store_->list())
      if (d.path.compare(0, prefix.size(), prefix) == 0 && store_->remove(d.path)) ++removed;
  }
  if (removed) documents_changed();
  return removed;
}

SearchMode parse_search_mode(const std::string& name) {
  if (name == "hybrid") return SearchMode::kHybrid;
  if (name == "vector") return SearchMode::kVector;
  if (name == "bm25") return SearchMode::kBm25;
  hearth::fail(Status::kInvalidArgument,
               "unknown search mode '" + name + "' (hybrid, vector, bm25)");
}

}  // namespace hearth::kb

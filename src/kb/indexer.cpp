// KnowledgeBase::add: files -> text -> chunks -> vectors -> one transaction per file.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "hearth/error.hpp"
#include "kb/content_hash.hpp"
#include "kb/extract.hpp"
#include "kb/file_walk.hpp"
#include "kb/knowledge_base.hpp"
#include "platform/files.hpp"
#include "safety/redact.hpp"

namespace hearth::kb {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Everything there is when read (the file may have grown since it was listed).
std::string read_file(const std::string& path) {
  std::string bytes;
  if (!hearth::platform::read_file(path, &bytes))
    hearth::fail(Status::kIoError, std::string("cannot read it: ") + std::strerror(errno));
  return bytes;
}

std::string mb(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

}  // namespace

struct KnowledgeBase::FileOutcome {
  enum { kIndexed, kUnchanged, kFailed } what;
};

KnowledgeBase::FileOutcome KnowledgeBase::index_file(const std::string& path,
                                                     const IndexOptions& options,
                                                     IndexReport& report) {
  const auto failed = [&](const std::string& why) {
    report.issues.push_back({path, why, true});
    ++report.files_failed;
    // What was indexed for this path no longer describes the file: drop it, so the index
    // equals a fresh build (which would not have it either).
    if (store_->remove(path)) documents_changed();
    return FileOutcome{FileOutcome::kFailed};
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return failed(std::string("cannot read: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return failed("not a regular file");
  const std::string kind = kind_for_path(path);
  if (kind.empty())
    return failed(
        "unsupported file type (hearth kb reads .txt .text .md .markdown .html .htm "
        ".xhtml .pdf)");
  const int64_t size = st.st_size;
  const int64_t mtime_ns = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  const auto existing = store_->find(path);
  if (existing && existing->size == size && existing->mtime_ns == mtime_ns)
    return {FileOutcome::kUnchanged};
  if (size > options.max_file_bytes)
    return failed("too large (" + mb(size) + "; the limit is " + mb(options.max_file_bytes) +
                  ", --max-file-mb)");
  std::string bytes;
  try {
    bytes = read_file(path);
  } catch (const Error& e) {
    return failed(e.what());
  }
  const std::string hash = sha256_hex(bytes);
  if (existing && existing->hash == hash) {
    store_->touch(path, mtime_ns, size);
    return {FileOutcome::kUnchanged};
  }
  ExtractedText text;
  try {
    text = extract_text(path, kind, std::move(bytes));
  } catch (const Error& e) {
    return failed(e.what());
  }
  if (text.replaced_bytes > 0)
    report.issues.push_back(
        {path, std::to_string(text.replaced_bytes) + " invalid UTF-8 sequences replaced by U+FFFD",
         false});
  const ChunkParams params = chunk_params();
  const TextEmbedder& emb = *embedder_;
  const TokenCounter count = [&](std::string_view s) { return emb.count_tokens(s); };
  std::vector<ChunkSpan> spans;
  if (text.paged) {
    // A passage never spans pages, so its page number is the whole truth.
    for (size_t m = 0; m < text.marks.size(); ++m) {
      const size_t size = text.text.size();
      const size_t begin = std::min(text.marks[m].first, size);
      const size_t end = m + 1 < text.marks.size() ? std::min(text.marks[m + 1].first, size) : size;
      if (begin >= end) continue;
      for (ChunkSpan s : chunk_text(text.text.substr(begin, end - begin), params, count)) {
        s.byte_start += begin;
        s.byte_end += begin;
        spans.push_back(s);
      }
    }
  } else {
    spans = chunk_text(text.text, params, count);
  }
  std::vector<NewChunk> chunks;
  chunks.reserve(spans.size());
  for (const ChunkSpan& s : spans) {
    NewChunk c;
    c.byte_start = s.byte_start;
    c.byte_end = s.byte_end;
    c.n_tokens = s.n_tokens;
    (text.paged ? c.page : c.line) = text.locate(s.byte_start);
    c.text = text.text.substr(s.byte_start, s.byte_end - s.byte_start);
    if (options.redact) c.text = safety::redact(c.text);
    chunks.push_back(std::move(c));
  }
  // Embeddings are computed before the transaction starts: the write lock is held only for
  // the inserts, and a kill while embedding leaves nothing behind.
  std::vector<float> vectors;
  vectors.reserve(chunks.size() * static_cast<size_t>(emb.dim()));
  const auto t0 = Clock::now();
  const size_t batch = static_cast<size_t>(std::max(1, options.embed_batch));
  try {
    for (size_t i = 0; i < chunks.size(); i += batch) {
      std::vector<std::string> texts;
      for (size_t j = i; j < std::min(chunks.size(), i + batch); ++j)
        texts.push_back(chunks[j].text);
      const std::vector<float> v = emb.embed(texts);
      if (v.size() != texts.size() * static_cast<size_t>(emb.dim()))
        hearth::fail(Status::kInternal, "embedder returned a wrong number of values");
      vectors.insert(vectors.end(), v.begin(), v.end());
    }
  } catch (const Error& e) {
    return failed(std::string("embedding failed: ") + e.what());
  }
  report.embed_seconds += seconds_since(t0);
  DocumentRecord doc;
  doc.path = path;
  doc.hash = hash;
  doc.mtime_ns = mtime_ns;
  doc.size = size;
  doc.kind = text.kind;
  if (chunks.empty()) {
    doc.note = kind == "pdf" ? "no text (a scanned PDF needs OCR first)" : "no text";
    report.issues.push_back({path, doc.note + "; recorded without passages", false});
  }
  store_->replace(doc, chunks, vectors, emb.dim());
  documents_changed();
  report.chunks_added += static_cast<int64_t>(chunks.size());
  return {FileOutcome::kIndexed};
}

IndexReport KnowledgeBase::add(const std::vector<std::string>& paths, const IndexOptions& options) {
  const auto t0 = Clock::now();
  ensure_model_recorded();
  IndexReport report;
  for (const std::string& arg : paths) {
    std::vector<std::string> files;
    std::error_code ec;
    if (std::filesystem::is_directory(arg, ec)) {
      WalkResult w = walk_folder(arg);
      for (const std::string& e : w.errors) {
        report.issues.push_back({arg, "cannot read folder " + e, true});
        ++report.files_failed;
      }
      files = std::move(w.files);
    } else {
      files.push_back(normalize_path(arg));
    }
    for (const std::string& f : files) {
      FileOutcome o{FileOutcome::kFailed};
      try {
        o = index_file(f, options, report);
      } catch (const Error&) {
        throw;  // the database itself failed (disk full, locked): stop
      } catch (const std::exception& e) {
        // A bug met on one file's content must not stop the others.
        report.issues.push_back({f, std::string("internal error: ") + e.what(), true});
        ++report.files_failed;
      }
      const char* what = o.what == FileOutcome::kIndexed     ? "indexed"
                         : o.what == FileOutcome::kUnchanged ? "unchanged"
                                                             : "failed";
      if (o.what == FileOutcome::kIndexed) ++report.files_indexed;
      if (o.what == FileOutcome::kUnchanged) ++report.files_unchanged;
      if (options.on_file) options.on_file(f, what);
    }
  }
  report.seconds = seconds_since(t0);
  return report;
}

}  // namespace hearth::kb

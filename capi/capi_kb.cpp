// The knowledge base through the C ABI (hearth_kb_*, hearth.h): a thin layer over
// hearth::kb::KnowledgeBase (src/kb/). Without SQLite (HEARTH_HAS_KB unset: the Windows
// build) every call reports HEARTH_ERR_UNSUPPORTED.
#include <memory>
#include <string>
#include <vector>

#include "capi_internal.hpp"
#include "hearth.h"

#if HEARTH_HAS_KB
#include "crypto/file_key.hpp"
#include "kb/grounded_prompt.hpp"
#include "kb/knowledge_base.hpp"
#endif

using hearth::capi::guarded;
using hearth::capi::invalid;
using hearth::capi::require;

namespace {

hearth_kb_params kb_params_defaults() {
  hearth_kb_params p{};
  p.struct_size = sizeof p;
  p.chunk_overlap = -1;
  return p;
}

hearth_kb_search_params search_params_defaults() {
  hearth_kb_search_params p{};
  p.struct_size = sizeof p;
  p.k = 5;
  p.mode = HEARTH_KB_HYBRID;
  return p;
}

}  // namespace

extern "C" {

hearth_status hearth_kb_params_init(hearth_kb_params* params, size_t size) {
  return hearth::capi::init_sized(params, size, kb_params_defaults());
}

hearth_status hearth_kb_search_params_init(hearth_kb_search_params* params, size_t size) {
  return hearth::capi::init_sized(params, size, search_params_defaults());
}

}  // extern "C"

#if HEARTH_HAS_KB

struct hearth_kb {
  std::unique_ptr<hearth::kb::KnowledgeBase> kb;
  std::string issues;  // hearth_kb_index_stats.issues of the last add/sync
};

struct hearth_kb_results {
  std::vector<hearth::kb::SearchHit> hits;
};

namespace {

void write_stats(hearth_kb* kb, const hearth::kb::IndexReport& r, hearth_kb_index_stats* out) {
  kb->issues.clear();
  for (const auto& i : r.issues)
    kb->issues += std::string(i.error ? "error: " : "warning: ") + i.path + ": " + i.message + "\n";
  if (!out) return;
  hearth_kb_index_stats s{};
  s.files_indexed = r.files_indexed;
  s.files_unchanged = r.files_unchanged;
  s.files_removed = r.files_removed;
  s.files_failed = r.files_failed;
  s.chunks_added = r.chunks_added;
  s.seconds = r.seconds;
  s.embed_seconds = r.embed_seconds;
  s.issues = kb->issues.c_str();
  hearth::capi::write_sized(out, s, "out_stats");
}

std::vector<std::string> path_list(const char* const* paths, size_t n) {
  if (n > 0) require(paths, "paths");
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    if (!paths[i]) invalid("paths[" + std::to_string(i) + "] is NULL");
    out.emplace_back(paths[i]);
  }
  return out;
}

}  // namespace

extern "C" {

hearth_status hearth_kb_open(const char* path, const hearth_kb_params* params, hearth_kb** out) {
  return guarded([&] {
    require(path, "path");
    require(out, "out");
    const hearth_kb_params p = hearth::capi::read_sized(params, kb_params_defaults(), "params");
    hearth::kb::KbOptions o;
    o.create = p.create != 0;
    o.chunk_tokens = p.chunk_tokens;
    o.chunk_overlap = p.chunk_overlap;
    if (p.key_file)
      o.key = std::make_shared<hearth::crypto::FileKey>(
          hearth::crypto::FileKey::from_key_file(p.key_file));
    auto h = std::make_unique<hearth_kb>();
    h->kb = hearth::kb::KnowledgeBase::open(path, o);
    const std::string spec = p.embed_model ? p.embed_model : h->kb->info().embed_source;
    // A knowledge base without a model yet can still be opened (to learn that it is empty);
    // adding to it needs embed_model.
    if (!spec.empty()) h->kb->set_embedder(hearth::kb::open_embedder(spec, p.n_threads), spec);
    *out = h.release();
    return HEARTH_OK;
  });
}

void hearth_kb_free(hearth_kb* kb) {
  delete kb;
}

hearth_status hearth_kb_add(hearth_kb* kb, const char* const* paths, size_t n_paths,
                            hearth_kb_index_stats* out_stats) {
  return guarded([&] {
    require(kb, "kb");
    if (out_stats) hearth::capi::require_out_struct(out_stats, "out_stats");
    const auto list = path_list(paths, n_paths);
    write_stats(kb, kb->kb->add(list), out_stats);
    return HEARTH_OK;
  });
}

hearth_status hearth_kb_sync(hearth_kb* kb, const char* dir, hearth_kb_index_stats* out_stats) {
  return guarded([&] {
    require(kb, "kb");
    require(dir, "dir");
    if (out_stats) hearth::capi::require_out_struct(out_stats, "out_stats");
    write_stats(kb, kb->kb->sync(dir), out_stats);
    return HEARTH_OK;
  });
}

hearth_status hearth_kb_remove(hearth_kb* kb, const char* const* paths, size_t n_paths,
                               int32_t* out_removed) {
  return guarded([&] {
    require(kb, "kb");
    const int n = kb->kb->remove(path_list(paths, n_paths));
    if (out_removed) *out_removed = n;
    return HEARTH_OK;
  });
}

hearth_status hearth_kb_search(hearth_kb* kb, const char* query,
                               const hearth_kb_search_params* params, hearth_kb_results** out) {
  return guarded([&] {
    require(kb, "kb");
    require(query, "query");
    require(out, "out");
    const hearth_kb_search_params p =
        hearth::capi::read_sized(params, search_params_defaults(), "params");
    if (p.k < 1) invalid("params->k must be at least 1");
    hearth::kb::SearchOptions so;
    so.k = static_cast<size_t>(p.k);
    switch (p.mode) {
      case HEARTH_KB_HYBRID:
        so.mode = hearth::kb::SearchMode::kHybrid;
        break;
      case HEARTH_KB_VECTOR:
        so.mode = hearth::kb::SearchMode::kVector;
        break;
      case HEARTH_KB_BM25:
        so.mode = hearth::kb::SearchMode::kBm25;
        break;
      default:
        invalid("params->mode " + std::to_string(p.mode) + " is not a hearth_kb_mode");
    }
    auto r = std::make_unique<hearth_kb_results>();
    r->hits = kb->kb->search(query, so);
    *out = r.release();
    return HEARTH_OK;
  });
}

hearth_status hearth_kb_results_count(const hearth_kb_results* results, size_t* out) {
  return guarded([&] {
    require(results, "results");
    require(out, "out");
    *out = results->hits.size();
    return HEARTH_OK;
  });
}

hearth_status hearth_kb_results_get(const hearth_kb_results* results, size_t i,
                                    hearth_kb_hit* out) {
  return guarded([&] {
    require(results, "results");
    hearth::capi::require_out_struct(out, "out");
    if (i >= results->hits.size())
      invalid("index " + std::to_string(i) + " out of range (" +
              std::to_string(results->hits.size()) + " results)");
    const hearth::kb::SearchHit& h = results->hits[i];
    hearth_kb_hit hit{};
    hit.path = h.path.c_str();
    hit.text = h.text.c_str();
    hit.chunk = h.seq;
    hit.page = h.page;
    hit.line = h.line;
    hit.score = h.score;
    hearth::capi::write_sized(out, hit, "out");
    return HEARTH_OK;
  });
}

void hearth_kb_results_free(hearth_kb_results* results) {
  delete results;
}

hearth_status hearth_kb_results_prompt(const hearth_kb_results* results, const char* question,
                                       char* buf, size_t capacity, size_t* out_len) {
  return guarded([&] {
    require(results, "results");
    require(question, "question");
    return hearth::capi::write_text(hearth::kb::grounded_message(question, results->hits), buf,
                                    capacity, out_len);
  });
}

}  // extern "C"

#else  // !HEARTH_HAS_KB

namespace {
hearth_status unsupported() {
  hearth::capi::set_last_error("this hearth was built without the knowledge base (SQLite)");
  return HEARTH_ERR_UNSUPPORTED;
}
}  // namespace

struct hearth_kb {};
struct hearth_kb_results {};

extern "C" {
hearth_status hearth_kb_open(const char*, const hearth_kb_params*, hearth_kb**) {
  return unsupported();
}
void hearth_kb_free(hearth_kb*) {}
hearth_status hearth_kb_add(hearth_kb*, const char* const*, size_t, hearth_kb_index_stats*) {
  return unsupported();
}
hearth_status hearth_kb_sync(hearth_kb*, const char*, hearth_kb_index_stats*) {
  return unsupported();
}
hearth_status hearth_kb_remove(hearth_kb*, const char* const*, size_t, int32_t*) {
  return unsupported();
}
hearth_status hearth_kb_search(hearth_kb*, const char*, const hearth_kb_search_params*,
                               hearth_kb_results**) {
  return unsupported();
}
hearth_status hearth_kb_results_count(const hearth_kb_results*, size_t*) {
  return unsupported();
}
hearth_status hearth_kb_results_get(const hearth_kb_results*, size_t, hearth_kb_hit*) {
  return unsupported();
}
void hearth_kb_results_free(hearth_kb_results*) {}
hearth_status hearth_kb_results_prompt(const hearth_kb_results*, const char*, char*, size_t,
                                       size_t*) {
  return unsupported();
}
}  // extern "C"

#endif

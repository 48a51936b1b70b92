// hearth kb — a local knowledge base (docs/kb.md):
//   hearth kb add    --db KB -m EMBED PATH...     index files and folders (new/changed only)
//   hearth kb sync   --db KB [-m EMBED] DIR       make the index of DIR match the folder
//   hearth kb search --db KB [-m EMBED] [-k N] [--mode hybrid|vector|bm25] [--json] QUERY
//   hearth kb remove --db KB PATH...              forget files, or everything under folders
//   hearth kb info   --db KB                      model, chunking, counts
//   hearth kb bench  [--chunks N] [--dim D] ...   synthetic search and indexing timings
// EMBED is a GGUF embedding model, or `hash:DIM`: a deterministic NON-SEMANTIC embedder for
// tests (bag of hashed words). Without -m, sync and search load the model the knowledge base
// was built with.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "command.hpp"
#include "crypto/file_key.hpp"
#include "generate_flags.hpp"
#include "hearth/error.hpp"
#include "kb/knowledge_base.hpp"
#include "kb_bench.hpp"

namespace {

using hearth::kb::KnowledgeBase;

const char* kUsage =
    "usage: hearth kb add    --db KB -m EMBED [options] PATH...\n"
    "       hearth kb sync   --db KB [-m EMBED] [options] DIR\n"
    "       hearth kb search --db KB [-m EMBED] [-k N] [--mode hybrid|vector|bm25] [--json] QUERY\n"
    "       hearth kb remove --db KB PATH...\n"
    "       hearth kb info   --db KB\n"
    "       hearth kb bench  [--chunks N] [--dim D] [--queries N] [-m EMBED] [--db FILE]\n"
    "  -m EMBED            GGUF embedding model, or hash:DIM (deterministic, NOT semantic: tests)\n"
    "                      recorded in the knowledge base; sync/search default to it\n"
    "  -t N                embedding threads (default: one per core)\n"
    "  --chunk-tokens N    passage size of a new knowledge base (default 256)\n"
    "  --overlap N         tokens shared by consecutive passages (default 1/8 of the size)\n"
    "  --max-file-mb N     refuse larger files (default 64)\n"
    "  --redact            add/sync: mask e-mail addresses, phone and card numbers in the\n"
    "                      stored passages (give it on every add/sync of that knowledge base)\n"
    "  --encrypt-key-file F  seal the stored passages with this key (hearth keygen); an\n"
    "                      encrypted knowledge base searches by vector only\n"
    "  --rerank-model R    search: rerank the fused candidates with a reranking GGUF\n"
    "                      (also --rerank R)\n"
    "  -q                  add/sync: print problems and the summary only\n"
    "Search prints the best passages; --json: one JSON object per line (path, chunk, page or\n"
    "line, score, text). Exit status 1 when a file could not be indexed (the others are).\n";

struct Args {
  std::string sub, db, model, key_file, mode = "hybrid", rerank_model;
  std::vector<std::string> rest;
  int threads = 0, k = 5, chunk_tokens = 0, overlap = -1, max_file_mb = 64;
  bool json = false, quiet = false, redact = false;
};

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "hearth kb: %s\n%s", msg.c_str(), kUsage);
  return 2;
}

std::unique_ptr<KnowledgeBase> open_kb(const Args& a, bool create) {
  hearth::kb::KbOptions o;
  o.create = create;
  o.chunk_tokens = a.chunk_tokens;
  o.chunk_overlap = a.overlap;
  if (!a.key_file.empty())
    o.key = std::make_shared<hearth::crypto::FileKey>(
        hearth::crypto::FileKey::from_key_file(a.key_file));
  return KnowledgeBase::open(a.db, o);
}

// -m, else the model recorded in the knowledge base.
void bind_model(KnowledgeBase& kb, const Args& a, bool required) {
  std::string spec = a.model;
  if (spec.empty()) spec = kb.info().embed_source;
  if (spec.empty()) {
    if (required)
      hearth::fail(hearth::Status::kInvalidArgument,
                   "the knowledge base has no embedding model yet: give -m EMBED");
    return;
  }
  kb.set_embedder(hearth::kb::open_embedder(spec, a.threads), spec);
}

int report(const hearth::kb::IndexReport& r, bool quiet) {
  for (const auto& i : r.issues)
    std::fprintf(stderr, "%s: %s: %s\n", i.error ? "error" : "warning", i.path.c_str(),
                 i.message.c_str());
  const double cps = r.seconds > 0 ? static_cast<double>(r.chunks_added) / r.seconds : 0;
  const double share = r.seconds > 0 ? 100.0 * r.embed_seconds / r.seconds : 0;
  std::fprintf(stderr,
               "hearth kb: %d indexed, %d unchanged, %d removed, %d failed; %lld passages in "
               "%.2f s (%.0f passages/s, embedding %.0f%% of the time)\n",
               r.files_indexed, r.files_unchanged, r.files_removed, r.files_failed,
               static_cast<long long>(r.chunks_added), r.seconds, cps, share);
  (void)quiet;
  return r.files_failed > 0 ? 1 : 0;
}

hearth::kb::IndexOptions index_options(const Args& a) {
  hearth::kb::IndexOptions o;
  o.max_file_bytes = static_cast<int64_t>(a.max_file_mb) << 20;
  o.redact = a.redact;
  if (!a.quiet)
    o.on_file = [](const std::string& path, const std::string& what) {
      if (what != "failed") std::fprintf(stderr, "  %-9s %s\n", what.c_str(), path.c_str());
    };
  return o;
}

std::string location(const hearth::kb::SearchHit& h) {
  if (h.page > 0) return h.path + " (page " + std::to_string(h.page) + ")";
  if (h.line > 0) return h.path + ":" + std::to_string(h.line);
  return h.path;
}

int run_search(const Args& a) {
  if (a.rest.size() != 1) return usage_error("search needs one QUERY argument");
  auto kb = open_kb(a, false);
  hearth::kb::SearchOptions so;
  so.k = static_cast<size_t>(a.k);
  so.mode = hearth::kb::parse_search_mode(a.mode);
  if (so.mode != hearth::kb::SearchMode::kBm25 || !a.model.empty()) bind_model(*kb, a, true);
  std::unique_ptr<hearth::kb::TextEmbedder> reranker;
  if (!a.rerank_model.empty()) {
    reranker = hearth::kb::open_reranker(a.rerank_model, a.threads);
    so.reranker = reranker.get();
  }
  const auto hits = kb->search(a.rest[0], so);
  for (size_t i = 0; i < hits.size(); ++i) {
    const auto& h = hits[i];
    if (a.json) {
      nlohmann::json j;
      j["path"] = h.path;
      j["chunk"] = h.seq;
      if (h.page > 0) j["page"] = h.page;
      if (h.line > 0) j["line"] = h.line;
      j["score"] = h.score;
      j["text"] = h.text;
      j["byte_start"] = h.byte_start;
      j["byte_end"] = h.byte_end;
      std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    } else {
      std::string text = h.text;
      for (char& c : text)
        if (c == '\n' || c == '\t' || c == '\r') c = ' ';
      if (text.size() > 240) {
        size_t cut = 240;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
        text = text.substr(0, cut) + "...";
      }
      std::printf("%zu. %s  [score %.4f]\n   %s\n", i + 1, location(h).c_str(), h.score,
                  text.c_str());
    }
  }
  if (hits.empty() && !a.json) std::fprintf(stderr, "hearth kb: no results\n");
  return 0;
}

int run_info(const Args& a) {
  auto kb = open_kb(a, false);
  const auto i = kb->info();
  nlohmann::json j;
  j["embed_model"] = i.model_id;
  j["embed_source"] = i.embed_source;
  j["dim"] = i.dim;
  j["chunk_tokens"] = i.chunk.max_tokens;
  j["chunk_overlap"] = i.chunk.overlap_tokens;
  j["encrypted"] = i.encrypted;
  j["documents"] = i.n_documents;
  j["chunks"] = i.n_chunks;
  std::printf("%s\n", j.dump(2).c_str());
  return 0;
}

int run_kb(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kUsage, stderr);
    return args.empty() ? 2 : 0;
  }
  Args a;
  a.sub = args[0];
  if (a.sub == "bench") return hearth::cli::run_kb_bench({args.begin() + 1, args.end()});
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& f = args[i];
    const bool has_value = i + 1 < args.size();
    auto value = [&]() -> const std::string& { return args[++i]; };
    if (f == "--help" || f == "-h") {
      std::fputs(kUsage, stderr);
      return 0;
    } else if (f == "--json") {
      a.json = true;
    } else if (f == "-q" || f == "--quiet") {
      a.quiet = true;
    } else if (f == "--") {
      a.rest.insert(a.rest.end(), args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    } else if (f.size() > 1 && f[0] == '-' && !has_value) {
      return usage_error(f + " needs a value");
    } else if (f == "--db") {
      a.db = value();
    } else if (f == "-m" || f == "--model") {
      a.model = value();
    } else if (f == "-t" || f == "--threads") {
      a.threads = hearth::cli::to_int(f, value());
    } else if (f == "-k") {
      a.k = hearth::cli::to_int(f, value());
    } else if (f == "--mode") {
      a.mode = value();
    } else if (f == "--chunk-tokens") {
      a.chunk_tokens = hearth::cli::to_int(f, value());
    } else if (f == "--overlap") {
      a.overlap = hearth::cli::to_int(f, value());
    } else if (f == "--max-file-mb") {
      a.max_file_mb = hearth::cli::to_int(f, value());
    } else if (f == "--redact") {
      a.redact = true;
    } else if (f == "--encrypt-key-file") {
      a.key_file = value();
    } else if (f == "--rerank-model" || f == "--rerank") {
      a.rerank_model = value();
    } else if (f.size() > 1 && f[0] == '-') {
      return usage_error("unknown option '" + f + "'");
    } else {
      a.rest.push_back(f);
    }
  }
  if (a.db.empty()) return usage_error("--db KB is required");
  if (a.k < 1) return usage_error("-k must be at least 1");
  if (a.max_file_mb < 1) return usage_error("--max-file-mb must be at least 1");
  if (a.sub == "add") {
    if (a.rest.empty()) return usage_error("add needs files or folders");
    // An existing knowledge base knows its model; a new one needs -m.
    auto kb = open_kb(a, true);
    bind_model(*kb, a, true);
    return report(kb->add(a.rest, index_options(a)), a.quiet);
  }
  if (a.sub == "sync") {
    if (a.rest.size() != 1) return usage_error("sync needs one folder");
    auto kb = open_kb(a, true);
    bind_model(*kb, a, true);
    return report(kb->sync(a.rest[0], index_options(a)), a.quiet);
  }
  if (a.sub == "search") return run_search(a);
  if (a.sub == "remove") {
    if (a.rest.empty()) return usage_error("remove needs files or folders");
    auto kb = open_kb(a, false);
    const int n = kb->remove(a.rest);
    std::fprintf(stderr, "hearth kb: %d document%s removed\n", n, n == 1 ? "" : "s");
    return 0;
  }
  if (a.sub == "info") return run_info(a);
  return usage_error("unknown sub-command '" + a.sub + "'");
}

const hearth::cli::Register reg{"kb", "local knowledge base: index files, search them", &run_kb};

}  // namespace

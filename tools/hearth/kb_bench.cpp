#include "kb_bench.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "generate_flags.hpp"
#include "hearth/error.hpp"
#include "kb/document_store.hpp"
#include "kb/knowledge_base.hpp"
#include "kb/schema.hpp"

namespace hearth::cli {
namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Pseudo-words drawn with Zipf's law (s = 1), as word frequencies in natural text are.
class Corpus {
 public:
  Corpus(size_t vocab, uint64_t seed) : rng_(seed) {
    std::uniform_int_distribution<int> len(3, 10), letter(0, 25);
    for (size_t i = 0; i < vocab; ++i) {
      std::string w;
      for (int n = len(rng_); n > 0; --n) w += static_cast<char>('a' + letter(rng_));
      words_.push_back(w);
    }
    double sum = 0;
    for (size_t i = 0; i < vocab; ++i) cdf_.push_back(sum += 1.0 / static_cast<double>(i + 1));
    for (double& c : cdf_) c /= sum;
  }
  const std::string& word() {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng_);
    const size_t i =
        static_cast<size_t>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
    return words_[std::min(i, words_.size() - 1)];
  }
  // A word from the less common part of the vocabulary (a query term worth searching for).
  const std::string& rare_word() {
    return words_[std::uniform_int_distribution<size_t>(100, words_.size() - 1)(rng_)];
  }
  std::string passage(int n_words) {
    std::string s;
    for (int i = 0; i < n_words; ++i) {
      s += (i ? " " : "") + word();
      if (i % 12 == 11) s += ".";
    }
    return s;
  }
  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
  std::vector<std::string> words_;
  std::vector<double> cdf_;
};

void random_unit(std::mt19937_64& rng, float* v, int dim) {
  std::normal_distribution<float> n(0, 1);
  double norm = 0;
  for (int i = 0; i < dim; ++i) {
    v[i] = n(rng);
    norm += static_cast<double>(v[i]) * v[i];
  }
  const float inv = static_cast<float>(1.0 / std::sqrt(norm));
  for (int i = 0; i < dim; ++i) v[i] *= inv;
}

struct Stats {
  double mean, p50, p95;
};
Stats stats(std::vector<double> t) {
  std::sort(t.begin(), t.end());
  double sum = 0;
  for (double x : t) sum += x;
  return {sum / static_cast<double>(t.size()), t[t.size() / 2], t[t.size() * 95 / 100]};
}

}  // namespace

int run_kb_bench(const std::vector<std::string>& args) {
  int n_chunks = 100000, dim = 384, n_queries = 200, index_files = 200, k = 10, threads = 2;
  std::string db_path, model = "hash:384";
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& f = args[i];
    if (f == "--help" || f == "-h") {
      std::fputs(
          "usage: hearth kb bench [--chunks N] [--dim D] [--queries N] [-k N] [--db FILE]\n"
          "                       [-m EMBED] [--index-files N] [-t THREADS]\n"
          "Search: N random unit vectors with synthetic text (default 100000 x 384; an existing\n"
          "--db FILE is reused as it is); indexing: N synthetic files through the whole\n"
          "pipeline with EMBED (default hash:384). -t: threads of the vector scan (default 2).\n",
          stderr);
      return 0;
    }
    if (i + 1 >= args.size()) {
      std::fprintf(stderr, "hearth kb bench: %s needs a value\n", f.c_str());
      return 2;
    }
    const std::string& v = args[++i];
    if (f == "--chunks")
      n_chunks = to_int(f, v);
    else if (f == "--dim")
      dim = to_int(f, v);
    else if (f == "--queries")
      n_queries = to_int(f, v);
    else if (f == "-k")
      k = to_int(f, v);
    else if (f == "--db")
      db_path = v;
    else if (f == "-m")
      model = v;
    else if (f == "--index-files")
      index_files = to_int(f, v);
    else if (f == "-t" || f == "--threads")
      threads = to_int(f, v);
    else {
      std::fprintf(stderr, "hearth kb bench: unknown option '%s'\n", f.c_str());
      return 2;
    }
  }
  if (n_chunks < 1 || dim < 1 || n_queries < 1 || k < 1 || threads < 1) {
    std::fputs("hearth kb bench: counts must be positive\n", stderr);
    return 2;
  }
  const fs::path work = fs::temp_directory_path() / ("hearth-kb-bench-" + std::to_string(getpid()));
  fs::create_directories(work);
  if (db_path.empty()) db_path = (work / "bench.kb").string();
  Corpus corpus(20000, 42);

  // 1. A knowledge base of n_chunks passages, 100 per document, with random vectors (an
  // existing --db is reused: building takes longer than all the searches).
  std::error_code exists_ec;
  if (fs::exists(db_path, exists_ec)) {
    std::printf("build: reusing %s\n", db_path.c_str());
  } else {
    kb::Db db(db_path, true, false);
    kb::prepare_schema(db, false);
    kb::set_meta(db, "embed_model", "random:" + std::to_string(dim));
    kb::set_meta(db, "dim", std::to_string(dim));
    kb::DocumentStore store(db, nullptr, true);
    const auto t0 = Clock::now();
    std::vector<float> vecs;
    for (int done = 0, doc = 0; done < n_chunks; ++doc) {
      const int n = std::min(100, n_chunks - done);
      std::vector<kb::NewChunk> chunks(static_cast<size_t>(n));
      vecs.assign(static_cast<size_t>(n) * static_cast<size_t>(dim), 0);
      for (int c = 0; c < n; ++c) {
        chunks[static_cast<size_t>(c)].text = corpus.passage(150);
        chunks[static_cast<size_t>(c)].line = c * 10 + 1;
        random_unit(corpus.rng(), vecs.data() + static_cast<size_t>(c) * static_cast<size_t>(dim),
                    dim);
      }
      kb::DocumentRecord d;
      d.path = "/bench/doc" + std::to_string(doc) + ".txt";
      d.hash = std::to_string(doc);
      d.kind = "text";
      store.replace(d, chunks, vecs, dim);
      done += n;
    }
    const double ms = ms_since(t0);
    std::printf("build: %d passages x %d dims stored in %.1f s (%.0f passages/s, no embedding)\n",
                n_chunks, dim, ms / 1000, n_chunks / (ms / 1000));
  }

  // 2. Search latency, the index in memory (as in chat or a server).
  kb::KbOptions ko;
  auto base = kb::KnowledgeBase::open(db_path, ko);
  if (base->info().dim > 0) dim = base->info().dim;  // a reused --db
  auto t0 = Clock::now();
  const size_t n_loaded = base->load_vectors();
  std::printf("load: %zu vectors read and their Q8_0 copy made in %.1f ms (once per process)\n",
              n_loaded, ms_since(t0));
  std::vector<std::vector<float>> qv(static_cast<size_t>(n_queries),
                                     std::vector<float>(static_cast<size_t>(dim)));
  std::vector<std::string> qt(static_cast<size_t>(n_queries));
  for (int i = 0; i < n_queries; ++i) {
    random_unit(corpus.rng(), qv[static_cast<size_t>(i)].data(), dim);
    qt[static_cast<size_t>(i)] =
        corpus.rare_word() + " " + corpus.word() + " " + corpus.rare_word();
  }
  struct Case {
    const char* name;
    kb::SearchMode mode;
    kb::ScanMethod scan;
    int threads;
  };
  const Case cases[] = {{"vector (q8)", kb::SearchMode::kVector, kb::ScanMethod::kQ8, 1},
                        {"vector (q8, -t)", kb::SearchMode::kVector, kb::ScanMethod::kQ8, threads},
                        {"vector (loop)", kb::SearchMode::kVector, kb::ScanMethod::kLoop, 1},
                        {"bm25", kb::SearchMode::kBm25, kb::ScanMethod::kQ8, 1},
                        {"hybrid (q8)", kb::SearchMode::kHybrid, kb::ScanMethod::kQ8, 1},
                        {"hybrid (q8, -t)", kb::SearchMode::kHybrid, kb::ScanMethod::kQ8, threads},
                        {"hybrid (loop)", kb::SearchMode::kHybrid, kb::ScanMethod::kLoop, 1}};
  {
    // The Q8_0 prefilter must not change a result: same ids and scores as the float32 loop.
    kb::SearchOptions a, b;
    a.k = b.k = static_cast<size_t>(k);
    a.mode = b.mode = kb::SearchMode::kVector;
    b.scan = kb::ScanMethod::kLoop;
    int same = 0;
    for (int i = 0; i < n_queries; ++i) {
      const auto x = base->search_vector("", qv[static_cast<size_t>(i)].data(), a);
      const auto y = base->search_vector("", qv[static_cast<size_t>(i)].data(), b);
      bool eq = x.size() == y.size();
      for (size_t j = 0; eq && j < x.size(); ++j)
        eq = x[j].chunk_id == y[j].chunk_id && x[j].score == y[j].score;
      same += eq;
    }
    std::printf("check: q8 and loop top-%d identical on %d of %d queries\n", k, same, n_queries);
  }
  for (const Case& c : cases) {
    kb::SearchOptions so;
    so.k = static_cast<size_t>(k);
    so.mode = c.mode;
    so.scan = c.scan;
    so.threads = c.threads;
    base->search_vector(qt[0], qv[0].data(), so);  // warm-up
    std::vector<double> times;
    for (int i = 0; i < n_queries; ++i) {
      t0 = Clock::now();
      base->search_vector(qt[static_cast<size_t>(i)], qv[static_cast<size_t>(i)].data(), so);
      times.push_back(ms_since(t0));
    }
    const Stats s = stats(times);
    std::printf("search %-16s k=%d threads=%d: %.2f ms/query mean, %.2f p50, %.2f p95\n", c.name, k,
                c.threads, s.mean, s.p50, s.p95);
  }
  base.reset();

  // 3. Indexing throughput: files through extraction, chunking, embedding and storage.
  if (index_files > 0) {
    const fs::path docs = work / "docs";
    fs::create_directories(docs);
    for (int f = 0; f < index_files; ++f) {
      std::ofstream out(docs / ("doc" + std::to_string(f) + ".md"));
      for (int p = 0; p < 20; ++p) out << corpus.passage(60) << "\n\n";
    }
    kb::KbOptions io;
    io.create = true;
    auto ikb = kb::KnowledgeBase::open((work / "index.kb").string(), io);
    ikb->set_embedder(kb::open_embedder(model), model);
    const kb::IndexReport r = ikb->add({docs.string()});
    std::printf(
        "index: %d files, %lld passages in %.2f s: %.0f passages/s, embedding (%s) %.0f%% "
        "of the time\n",
        r.files_indexed, static_cast<long long>(r.chunks_added), r.seconds,
        static_cast<double>(r.chunks_added) / r.seconds, model.c_str(),
        100.0 * r.embed_seconds / r.seconds);
  }
  std::error_code ec;
  fs::remove_all(work, ec);
  return 0;
}

}  // namespace hearth::cli

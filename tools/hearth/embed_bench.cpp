#include "embed_bench.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <vector>

#include "embed/embedder.hpp"

namespace hearth::cli {
namespace {

// n_texts texts of n_tokens pseudo-random ids, the same generator and vocabulary window as
// llama.cpp's peer (clear of the control tokens at both ends of the vocabulary); every text
// differs so that no cache could help.
std::vector<std::vector<int32_t>> synthetic_ids(int n_texts, int n_tokens, int n_vocab) {
  std::vector<std::vector<int32_t>> ids(n_texts);
  unsigned long long x = 12345;
  const unsigned long long window = static_cast<unsigned long long>(std::max(1, n_vocab - 200));
  for (auto& text : ids)
    for (int i = 0; i < n_tokens; ++i) {
      x = (x * 1103515245ULL + 12345ULL) % 2147483648ULL;
      text.push_back(static_cast<int32_t>(std::min<unsigned long long>(
          100 + x % window, static_cast<unsigned long long>(n_vocab - 1))));
    }
  return ids;
}

// Process CPU time (all threads): on a loaded machine, tokens per CPU second still compare
// engines where wall-clock rates mostly measure the scheduler.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

struct Rates {
  double wall = 0, cpu = 0;  // tokens per second, per CPU second; medians over the reps
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// `reps` calls of embed_ids after one untimed warm-up.
Rates measure(const embed::Embedder& e, const std::vector<std::vector<int32_t>>& ids, int reps) {
  size_t n = 0;
  for (const auto& t : ids) n += t.size();
  e.embed_ids(ids);
  std::vector<double> wall, cpu;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_seconds();
    e.embed_ids(ids);
    const double c1 = cpu_seconds();
    const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
    wall.push_back(static_cast<double>(n) / dt.count());
    cpu.push_back(static_cast<double>(n) / std::max(c1 - c0, 1e-9));
  }
  return {median(wall), median(cpu)};
}

}  // namespace

int run_embed_bench(const EmbedBenchOptions& o) {
  if (o.n_texts < 1 || o.n_tokens < 1 || o.reps < 1) {
    std::fprintf(stderr, "hearth embed --bench: --texts, --tokens and --reps must be positive\n");
    return 2;
  }
  embed::EmbedderOptions eo;
  eo.n_threads = o.n_threads;
  auto e = embed::Embedder::load(o.model, eo);
  if (o.n_tokens > e->n_ctx()) {
    std::fprintf(stderr, "hearth embed --bench: --tokens %d exceeds the model's context (%d)\n",
                 o.n_tokens, e->n_ctx());
    return 2;
  }
  const auto batch = synthetic_ids(o.n_texts, o.n_tokens, e->n_vocab());
  const auto single = synthetic_ids(1, o.n_tokens, e->n_vocab());
  const Rates batch_rate = measure(*e, batch, o.reps);
  const Rates single_rate = measure(*e, single, o.reps);
  std::printf(
      "{\"model\":\"%s\",\"architecture\":\"%s\",\"threads\":%d,\"texts\":%d,\"tokens\":%d,"
      "\"reps\":%d,\"batch_tok_s\":%.2f,\"single_tok_s\":%.2f,\"batch_cpu_tok_s\":%.2f,"
      "\"single_cpu_tok_s\":%.2f}\n",
      o.model.c_str(), e->architecture().c_str(), o.n_threads, o.n_texts, o.n_tokens, o.reps,
      batch_rate.wall, single_rate.wall, batch_rate.cpu, single_rate.cpu);
  return 0;
}

}  // namespace hearth::cli

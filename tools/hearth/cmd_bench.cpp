// hearth bench -m MODEL [-p 512] [-n 128] [-t 2] [-r 3] [-b 512] [--parallel S] [--json]
// Prompt processing and generation speed, measured the way ../shared/tools/peer-llamacpp does
// (same pseudo-random prompt ids, same context size, greedy decode), so the two compare directly.
// --parallel S adds the engine's aggregate generation speed (tg_parallel_tok_s,
// bench_parallel.cpp).
// --json-schema F / --grammar-file F: the grammar's cost per generated token (grammar_bench.cpp).
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <fmt/format.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "bench_parallel.hpp"
#include "command.hpp"
#include "grammar/json_schema.hpp"
#include "grammar_bench.hpp"
#include "hearth/context.hpp"
#include "hearth/cpu.hpp"
#include "hearth/model.hpp"
#include "platform/memory_usage.hpp"
#include "text_file.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

std::string join4(const std::vector<double>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += fmt::format("{}{:.4f}", i ? "," : "", v[i]);
  return s;
}

std::string join(const std::vector<double>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += fmt::format("{}{:.2f}", i ? "," : "", v[i]);
  return s;
}

// Reads [begin, end) with the widest loads the CPU has (plain code here: tools get no ISA flags).
#if defined(__x86_64__)
__attribute__((target("avx2"))) uint64_t read_avx2(const uint64_t* p, size_t n) {
  __m256i a = _mm256_setzero_si256(), b = a, c = a, d = a;
  for (size_t i = 0; i + 16 <= n; i += 16) {
    a = _mm256_xor_si256(a, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i)));
    b = _mm256_xor_si256(b, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 4)));
    c = _mm256_xor_si256(c, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 8)));
    d = _mm256_xor_si256(d, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 12)));
  }
  a = _mm256_xor_si256(_mm256_xor_si256(a, b), _mm256_xor_si256(c, d));
  return static_cast<uint64_t>(_mm256_extract_epi64(a, 0) ^ _mm256_extract_epi64(a, 3));
}
#endif

uint64_t read_plain(const uint64_t* p, size_t n) {
  uint64_t a = 0, b = 0, c = 0, d = 0;
  for (size_t i = 0; i + 4 <= n; i += 4) {
    a ^= p[i];
    b ^= p[i + 1];
    c ^= p[i + 2];
    d ^= p[i + 3];
  }
  return a ^ b ^ c ^ d;
}

// Streaming-read bandwidth of `threads` threads over a buffer much larger than the caches: the
// ceiling for token generation, which must read every weight once per token.
double measure_read_bandwidth_gbs(int threads) {
  const size_t n = (size_t{1} << 30) / sizeof(uint64_t);
  std::vector<uint64_t> buffer(n, 1);
  std::vector<double> runs;
  for (int rep = 0; rep < 5; ++rep) {
    std::vector<std::thread> workers;
    std::vector<uint64_t> sums(threads);
    const auto t0 = Clock::now();
    for (int t = 0; t < threads; ++t)
      workers.emplace_back([&, t] {
        const size_t begin = n * t / threads / 16 * 16, end = n * (t + 1) / threads / 16 * 16;
#if defined(__x86_64__)
        sums[t] = hearth::cpu_features().avx2 ? read_avx2(buffer.data() + begin, end - begin)
                                              : read_plain(buffer.data() + begin, end - begin);
#else
        sums[t] = read_plain(buffer.data() + begin, end - begin);  // NEON: compilers vectorize it
#endif
      });
    for (auto& w : workers) w.join();
    runs.push_back(n * sizeof(uint64_t) / seconds_since(t0) / 1e9);
  }
  return *std::max_element(runs.begin(), runs.end());
}

void write_file(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  const bool ok = f && std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (f) std::fclose(f);
  if (!ok) throw std::runtime_error("cannot write '" + path + "'");
}

// Medians over reps, per generated token (grammar_bench.hpp says what each run is).
std::string grammar_json(const hearth::cli::GrammarBenchResult& g) {
  const double decode = median(g.free_decode_ms);
  std::vector<double> tokens(g.tokens.begin(), g.tokens.end());
  return fmt::format(
      ",\"grammar\":{{\"tokens\":{:.0f},\"free_decode_ms\":{:.4f},\"grammar_decode_ms\":{:.4f},"
      "\"argmax_ms\":{:.4f},\"sampler_ms\":{:.4f},\"mask_ms\":{:.4f},\"sampler_pct\":{:.2f},"
      "\"mask_pct\":{:.2f},\"argmax_cpu_ms\":{:.4f},\"sampler_cpu_ms\":{:.4f},"
      "\"mask_cpu_ms\":{:.4f},\"setup_ms\":{:.2f},\"same_tokens\":{},\"sampler_all\":[{}],"
      "\"mask_all\":[{}],\"free_decode_all\":[{}],\"chain_free_ms\":{:.4f},\"chain_ms\":{:.4f},"
      "\"chain_free_cpu_ms\":{:.4f},\"chain_cpu_ms\":{:.4f},\"temp_free_ms\":{:.4f},"
      "\"temp_ms\":{:.4f},\"temp_free_cpu_ms\":{:.4f},\"temp_cpu_ms\":{:.4f}}}",
      median(tokens), decode, median(g.grammar_decode_ms), median(g.argmax_ms),
      median(g.sampler_ms), median(g.mask_ms), 100 * median(g.sampler_ms) / decode,
      100 * median(g.mask_ms) / decode, median(g.argmax_cpu_ms), median(g.sampler_cpu_ms),
      median(g.mask_cpu_ms), g.setup_ms, g.same_tokens ? "true" : "false", join4(g.sampler_ms),
      join4(g.mask_ms), join4(g.free_decode_ms), median(g.chain_free_ms), median(g.chain_ms),
      median(g.chain_free_cpu_ms), median(g.chain_cpu_ms), median(g.temp_free_ms),
      median(g.temp_ms), median(g.temp_free_cpu_ms), median(g.temp_cpu_ms));
}

void print_grammar(const hearth::cli::GrammarBenchResult& g) {
  const double decode = median(g.free_decode_ms);
  std::vector<double> tokens(g.tokens.begin(), g.tokens.end());
  fmt::print("grammar: {:.0f} tokens per generation (median), setup {:.2f} ms{}\n", median(tokens),
             g.setup_ms,
             g.same_tokens ? "" : "  WARNING: the two constrained runs chose different tokens");
  fmt::print("  decode, free:          {:.3f} ms/token  (runs: {})\n", decode,
             join4(g.free_decode_ms));
  fmt::print("  decode, constrained:   {:.3f} ms/token\n", median(g.grammar_decode_ms));
  fmt::print("  argmax (free choice):  {:.4f} ms/token (cpu {:.4f})\n", median(g.argmax_ms),
             median(g.argmax_cpu_ms));
  fmt::print(
      "  sampler + accept:      {:.4f} ms/token = {:.2f}% of decode (cpu {:.4f})  (runs: {})\n",
      median(g.sampler_ms), 100 * median(g.sampler_ms) / decode, median(g.sampler_cpu_ms),
      join4(g.sampler_ms));
  fmt::print(
      "  full mask + accept:    {:.4f} ms/token = {:.2f}% of decode (cpu {:.4f})  (runs: {})\n",
      median(g.mask_ms), 100 * median(g.mask_ms) / decode, median(g.mask_cpu_ms), join4(g.mask_ms));
  // Sampling at a temperature: the unconstrained chain is paid either way.
  const double chain = median(g.chain_ms) - median(g.chain_free_ms);
  const double temp = median(g.temp_ms) - median(g.temp_free_ms);
  fmt::print("  T 0.8, top-k/p, min-p:  {:.4f} - {:.4f} without grammar = {:.2f}% of decode\n",
             median(g.chain_ms), median(g.chain_free_ms), 100 * chain / decode);
  fmt::print("  T 0.8 alone:           {:.4f} - {:.4f} without grammar = {:.2f}% of decode\n",
             median(g.temp_ms), median(g.temp_free_ms), 100 * temp / decode);
}

int usage(int code) {
  std::fprintf(
      stderr,
      "usage: hearth bench -m MODEL.gguf [-p PROMPT_TOKENS=512] [-n GEN_TOKENS=128]\n"
      "                    [-t THREADS=2] [-r REPS=3] [-b BATCH=512] [--parallel S]\n"
      "                    [--json-schema F | --grammar-file F [--grammar-out G]] [--json]\n"
      "       hearth bench --memory-bandwidth [-t THREADS=2]\n"
      "Reports median prompt (pp) and generation (tg) tokens/s over REPS runs, or the\n"
      "machine's streaming-read bandwidth in GB/s (the ceiling for generation).\n"
      "--parallel S: also S sequences sharing the prompt generate GEN_TOKENS each\n"
      "together through the engine (tg_parallel: all sequences' tokens/s).\n"
      "--json-schema F / --grammar-file F: also the grammar's cost per generated token:\n"
      "per rep a free, a constrained (sampler) and a whole-vocabulary-mask generation\n"
      "from the same prompt, alternating; --grammar-out G writes the GBNF used (for\n"
      "../shared/tools/peer-llamacpp/run.sh --grammar-file G).\n");
  return code;
}

int run_bench(const std::vector<std::string>& args) {
  std::string path;
  int n_prompt = 512, n_gen = 128, threads = 2, reps = 3, batch = 512, parallel = 0;
  bool json = false, memory_bandwidth = false;
  std::string grammar, grammar_out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto next_int = [&]() {
      if (i + 1 >= args.size()) throw std::invalid_argument(a + " needs a value");
      return std::stoi(args[++i]);
    };
    if (a == "-h" || a == "--help") return usage(0);
    if (a == "-m" || a == "--model") {
      if (i + 1 >= args.size()) return usage(2);
      path = args[++i];
    } else if (a == "-p")
      n_prompt = next_int();
    else if (a == "-n")
      n_gen = next_int();
    else if (a == "-t")
      threads = next_int();
    else if (a == "-r")
      reps = next_int();
    else if (a == "-b")
      batch = next_int();
    else if (a == "--parallel")
      parallel = next_int();
    else if (a == "--json")
      json = true;
    else if (a == "--memory-bandwidth")
      memory_bandwidth = true;
    else if ((a == "--json-schema" || a == "--grammar-file" || a == "--grammar-out") &&
             i + 1 >= args.size())
      return usage(2);
    else if (a == "--json-schema")
      grammar = hearth::grammar::json_schema_to_gbnf(hearth::cli::read_text_file(args[++i]));
    else if (a == "--grammar-file")
      grammar = hearth::cli::read_text_file(args[++i]);
    else if (a == "--grammar-out")
      grammar_out = args[++i];
    else {
      std::fprintf(stderr, "hearth bench: unknown option '%s'\n", a.c_str());
      return usage(2);
    }
  }
  if (memory_bandwidth && threads >= 1) {
    const double gbs = measure_read_bandwidth_gbs(threads);
    if (json)
      fmt::print("{{\"threads\":{},\"read_gb_s\":{:.2f}}}\n", threads, gbs);
    else
      fmt::print("streaming read, {} threads: {:.2f} GB/s\n", threads, gbs);
    return 0;
  }
  if (path.empty() || n_prompt < 1 || n_gen < 0 || threads < 1 || reps < 1 || batch < 1 ||
      parallel < 0)
    return usage(2);

  const auto t_load = Clock::now();
  auto model = hearth::Model::load(hearth::GgufFile::open(path));
  hearth::ContextParams cp;
  cp.n_ctx = n_prompt + n_gen + 16;
  cp.n_threads = threads;
  cp.n_batch = batch;
  hearth::Context ctx(model, cp);
  const double load_ms = seconds_since(t_load) * 1e3;

  // The peer's prompt: an LCG over the vocabulary, clear of the control tokens at its ends.
  const int n_vocab = model->config().n_vocab;
  std::vector<int32_t> prompt;
  unsigned long long x = 12345;
  for (int i = 0; i < n_prompt; ++i) {
    x = (x * 1103515245ULL + 12345ULL) % 2147483648ULL;
    prompt.push_back(
        static_cast<int32_t>(100 + x % static_cast<unsigned long long>(n_vocab - 200)));
  }

  std::vector<double> pp, tg;
  for (int r = 0; r < reps; ++r) {
    ctx.truncate(0);
    auto t0 = Clock::now();
    ctx.decode(prompt.data(), prompt.size());
    pp.push_back(n_prompt / seconds_since(t0));
    t0 = Clock::now();
    for (int g = 0; g < n_gen; ++g) {
      const float* logits = ctx.logits();
      const int32_t best =
          static_cast<int32_t>(std::max_element(logits, logits + n_vocab) - logits);
      ctx.decode(&best, 1);
    }
    if (n_gen > 0) tg.push_back(n_gen / seconds_since(t0));
  }
  std::vector<double> tgp;
  if (parallel > 0 && n_gen > 0) {
    hearth::cli::ParallelBench pb{parallel, n_gen, threads, batch, reps};
    tgp = hearth::cli::bench_parallel(model, prompt, pb);
  }
  hearth::cli::GrammarBenchResult gr;
  if (!grammar.empty() && n_gen > 0) {
    if (!grammar_out.empty()) write_file(grammar_out, grammar);
    gr = hearth::cli::bench_grammar(ctx, prompt, {grammar, n_gen, reps});
  }
  const double rss_mib = hearth::platform::peak_resident_bytes() / (1024.0 * 1024.0);
  if (json) {
    fmt::print(
        "{{\"engine\":\"hearth\",\"model\":\"{}\",\"threads\":{},\"prompt_tokens\":{},"
        "\"gen_tokens\":{},\"pp_tok_s\":{:.2f},\"tg_tok_s\":{:.2f},\"pp_all\":[{}],"
        "\"tg_all\":[{}],\"load_ms\":{:.1f},\"peak_rss_mib\":{:.1f},\"cpu\":\"{}\","
        "\"isa\":\"{}\",\"repacked_mib\":{:.1f}{}{}}}\n",
        path, threads, n_prompt, n_gen, median(pp), median(tg), join(pp), join(tg), load_ms,
        rss_mib, hearth::cpu_features().brand, hearth::isa_name(hearth::active_isa()),
        model->repacked_bytes() / 1048576.0,
        tgp.empty() ? std::string()
                    : fmt::format(",\"parallel\":{},\"tg_parallel_tok_s\":{:.2f},"
                                  "\"tg_parallel_all\":[{}]",
                                  parallel, median(tgp), join(tgp)),
        gr.tokens.empty() ? std::string() : grammar_json(gr));
  } else {
    fmt::print("model:   {}\nthreads: {}\n", path, threads);
    fmt::print("pp{}:   {:.2f} tok/s  (runs: {})\n", n_prompt, median(pp), join(pp));
    fmt::print("tg{}:   {:.2f} tok/s  (runs: {})\n", n_gen, median(tg), join(tg));
    if (!tgp.empty())
      fmt::print("tg{} x {} sequences: {:.2f} tok/s  (runs: {})\n", n_gen, parallel, median(tgp),
                 join(tgp));
    fmt::print("load:    {:.1f} ms, peak RSS {:.1f} MiB, {:.1f} MiB of weights repacked\n", load_ms,
               rss_mib, model->repacked_bytes() / 1048576.0);
    fmt::print("cpu:     {} ({})\n", hearth::cpu_features().brand,
               hearth::isa_name(hearth::active_isa()));
    if (!gr.tokens.empty()) print_grammar(gr);
  }
  return 0;
}

const hearth::cli::Register reg{"bench", "measure prompt and generation speed (like llama-bench)",
                                &run_bench};

}  // namespace

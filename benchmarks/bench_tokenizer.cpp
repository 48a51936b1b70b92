// Tokenizer throughput (MB/s) per family on ~1 MB of mixed text (English, code, numbers, CJK,
// emoji), with the vocabularies in ../shared/testdata/tokenizer.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "hearth/gguf.hpp"
#include "hearth/tokenizer.hpp"

namespace {

std::string mixed_text() {
  const std::string chunk =
      "Once upon a time, in 1987, a llama named Lily wrote `for (int i = 0; i < n; ++i) x += "
      "y[i];` and said: \"Hello, world!\" 你好，世界。 Привет мир 🦙🔥 3.14159 — naïve "
      "café.\n";
  std::string text;
  while (text.size() < (1u << 20)) text += chunk;
  return text;
}

void BM_Tokenize(benchmark::State& state, const char* family) {
  const char* env = std::getenv("HEARTH_TEST_DATA");
  const std::string path = std::string(env ? env : HEARTH_BENCH_DATA) +
                           "/testdata/tokenizer/ggml-vocab-" + family + ".gguf";
  std::shared_ptr<const hearth::Tokenizer> tok;
  try {
    tok = hearth::Tokenizer::from_gguf(*hearth::GgufFile::open(path));
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  const std::string text = mixed_text();
  size_t n_tokens = 0;
  for (auto _ : state) n_tokens = tok->encode(text, false, false).size();
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["tokens"] = static_cast<double>(n_tokens);
}

BENCHMARK_CAPTURE(BM_Tokenize, llama_spm, "llama-spm")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Tokenize, llama_bpe, "llama-bpe")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Tokenize, qwen2, "qwen2")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Tokenize, gpt_2, "gpt-2")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Tokenize, bert_bge, "bert-bge")->Unit(benchmark::kMillisecond);

}  // namespace

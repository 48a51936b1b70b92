// Time to first token of a chat turn: 30 new tokens after a ~500-token history that the
// session's KV cache already holds, against evaluating the whole prompt from scratch.
// Model: a synthetic qwen2.5-0.5b Q8_0 (random weights, real Qwen2 tokenizer) generated on the
// first run into $TMPDIR (or HEARTH_BENCH_SESSION_MODEL, when set, is used as it is).
// Measured on 2 cores (Zen 5, AVX-512 kernels, load ~1), 2 threads: second turn 28 tokens
// evaluated of 532, TTFT 180 ms; the same prompt from scratch 2.0 s (benchmarks/RESULTS.md).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "hearth/error.hpp"
#include "hearth/synth.hpp"
#include "sampler/sampler_chain.hpp"
#include "session/session.hpp"

namespace {

constexpr int kHistoryTokens = 500;
constexpr int kThreads = 2;
const char* kSentence = "The old lighthouse keeper walked along the rocky shore every morning. ";

std::string data_dir() {
  const char* env = std::getenv("HEARTH_TEST_DATA");
  return env && *env ? env : HEARTH_BENCH_DATA;
}

std::shared_ptr<const hearth::Model> bench_model() {
  static std::shared_ptr<const hearth::Model> model = [] {
    const char* env = std::getenv("HEARTH_BENCH_SESSION_MODEL");
    std::string path = env && *env ? env : "";
    if (path.empty()) {
      path =
          (std::filesystem::temp_directory_path() / "hearth_bench_qwen2.5-0.5b-q8_0.gguf").string();
      if (!std::filesystem::exists(path)) {
        hearth::SynthOptions o;
        o.preset = "qwen2.5-0.5b";
        o.vocab_path = data_dir() + "/testdata/tokenizer/ggml-vocab-qwen2.gguf";
        o.output_path = path;
        o.type = "q8_0";
        hearth::synth_model(o);
      }
    }
    return hearth::Model::load(hearth::GgufFile::open(path));
  }();
  return model;
}

hearth::SessionParams bench_params() {
  hearth::SessionParams p;
  p.context.n_ctx = 1024;
  p.context.n_threads = kThreads;
  // ChatML (what Qwen2.5's own template renders): keeps this benchmark independent of the
  // Jinja interpreter, whose cost is negligible next to a forward pass.
  p.ignore_model_template = true;
  return p;
}

// A system message, a user message and an assistant reply rendering to ~kHistoryTokens tokens.
void add_history(hearth::Session& s) {
  s.add_message("system", "You are a helpful assistant.");
  s.add_message("user", "Tell me a long story about a lighthouse keeper.");
  std::string reply;
  s.add_message("assistant", reply);
  while (static_cast<int>(s.prompt_tokens().size()) < kHistoryTokens) {
    reply += kSentence;
    s.pop_message();
    s.add_message("assistant", reply);
  }
}

// Questions of ~30 tokens (with their ChatML wrapper) that differ from their first word on, so
// that alternating them makes every turn evaluate its whole question and nothing more.
const char* kQuestions[2] = {
    "What did the keeper find on the shore that cold morning, what did he do next with it, and "
    "who did he tell first?",
    "Why did the keeper walk along the shore every single morning, even during the winter "
    "storms, when nobody else would?"};

// A session holding the ~500-token history, or null (the benchmark skipped with the reason)
// when the model cannot be made.
std::unique_ptr<hearth::Session> session_with_history(benchmark::State& state) {
  std::unique_ptr<hearth::Session> s;
  try {
    s = std::make_unique<hearth::Session>(bench_model(), bench_params());
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return nullptr;
  }
  add_history(*s);
  return s;
}

void BM_SessionSecondTurnTTFT(benchmark::State& state) {
  std::unique_ptr<hearth::Session> s = session_with_history(state);
  if (!s) return;
  hearth::GenerateOptions opt;
  opt.max_tokens = 1;
  s->add_message("user", kQuestions[1]);
  s->generate(opt);  // the first turn: fills the KV cache with the history
  double ttft_ms = 0;
  int evaluated = 0, turn = 0;
  for (auto _ : state) {
    s->pop_message();  // the reply
    s->pop_message();  // the question
    s->add_message("user", kQuestions[turn++ % 2]);
    const hearth::SessionReply r = s->generate(opt);
    ttft_ms += r.result.time_to_first_token_ms;
    evaluated = r.result.n_prompt;
    state.counters["prompt_tokens"] = r.n_prompt_total;
  }
  state.counters["evaluated_tokens"] = evaluated;
  state.counters["ttft_ms"] = ttft_ms / static_cast<double>(state.iterations());
}

// The same prompt evaluated from scratch: what the second turn would cost without reuse.
void BM_SessionFullPromptTTFT(benchmark::State& state) {
  std::unique_ptr<hearth::Session> s = session_with_history(state);
  if (!s) return;
  s->add_message("user", kQuestions[0]);
  const std::vector<int32_t> prompt = s->prompt_tokens();
  hearth::Context& ctx = s->context();  // used directly: the session is not asked to generate
  hearth::Sampler sampler(hearth::SamplerConfig{});
  for (auto _ : state) {
    ctx.truncate(0);
    ctx.decode(prompt.data(), prompt.size());
    benchmark::DoNotOptimize(sampler.sample(ctx.logits(), ctx.n_vocab()));
  }
  state.counters["evaluated_tokens"] = static_cast<double>(prompt.size());
}

BENCHMARK(BM_SessionSecondTurnTTFT)->Unit(benchmark::kMillisecond)->Iterations(6);
BENCHMARK(BM_SessionFullPromptTTFT)->Unit(benchmark::kMillisecond)->Iterations(2);

}  // namespace

#include "grammar_bench.hpp"

#include <chrono>
#include <ctime>
#include <vector>

#include "grammar/grammar_state.hpp"
#include "hearth/model.hpp"
#include "sampler/sampler_chain.hpp"

namespace hearth::cli {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// CPU time of this thread (the grammar runs on the calling thread alone): on a loaded machine
// it leaves out the time other processes took; wall time where the clock is missing.
double thread_cpu_ms() {
#if defined(CLOCK_THREAD_CPUTIME_ID)
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
#else
  return std::chrono::duration<double, std::milli>(Clock::now().time_since_epoch()).count();
#endif
}

// The lowest id of the largest logit, as llama.cpp's greedy sampler picks it.
int32_t argmax(const float* logits, int n) {
  int32_t best = 0;
  for (int32_t i = 1; i < n; ++i)
    if (logits[i] > logits[best]) best = i;
  return best;
}

struct Run {
  std::vector<int32_t> tokens;  // decoded (an end-of-generation choice is not)
  size_t choices = 0;           // tokens chosen, an end-of-generation one included
  double decode_ms = 0, choose_ms = 0, choose_cpu_ms = 0;
};

// One greedy generation from `prompt`; choose(logits) returns the token and is timed apart from
// the decode; it returns -1 to stop.
template <typename Choose>
Run generate(Context& ctx, const std::vector<int32_t>& prompt, int n_gen, Choose&& choose) {
  Run run;
  ctx.truncate(0);
  ctx.decode(prompt.data(), prompt.size());
  for (int g = 0; g < n_gen; ++g) {
    auto t0 = Clock::now();
    const double c0 = thread_cpu_ms();
    const int32_t t = choose(ctx.logits());
    run.choose_cpu_ms += thread_cpu_ms() - c0;
    run.choose_ms += ms_since(t0);
    ++run.choices;
    if (t < 0) break;
    run.tokens.push_back(t);
    t0 = Clock::now();
    ctx.decode(&t, 1);
    run.decode_ms += ms_since(t0);
  }
  return run;
}

double per_token(double ms, size_t n) {
  return n ? ms / static_cast<double>(n) : 0.0;
}

}  // namespace

GrammarBenchResult bench_grammar(Context& ctx, const std::vector<int32_t>& prompt,
                                 const GrammarBench& b) {
  const Tokenizer& tok = *ctx.model().tokenizer();
  const int n_vocab = ctx.n_vocab();
  GrammarBenchResult res;
  // The vocabulary's trie is built once per tokenizer (and shared by every grammar): not a
  // per-token cost, so it is built before anything is timed.
  const auto trie = grammar::TokenTrie::for_tokenizer(tok);
  {
    const auto t0 = Clock::now();
    SamplerConfig config;
    config.grammar = b.grammar;
    Sampler s(config, &tok);
    res.setup_ms = ms_since(t0);
  }
  std::vector<float> masked(static_cast<size_t>(n_vocab));
  for (int r = 0; r < b.reps; ++r) {
    const Run free =
        generate(ctx, prompt, b.n_gen, [&](const float* lg) { return argmax(lg, n_vocab); });

    SamplerConfig config;
    config.grammar = b.grammar;
    Sampler sampler(config, &tok);
    const Run constrained = generate(ctx, prompt, b.n_gen, [&](const float* lg) {
      const int32_t t = sampler.sample(lg, n_vocab);
      if (tok.is_eog(t)) return -1;
      sampler.accept(t);
      return t;
    });

    grammar::GrammarState state(grammar::parse_gbnf(b.grammar), trie);
    const Run masked_run = generate(ctx, prompt, b.n_gen, [&](const float* lg) {
      masked.assign(lg, lg + n_vocab);
      state.apply(masked.data(), n_vocab);
      const int32_t t = argmax(masked.data(), n_vocab);
      if (tok.is_eog(t)) return -1;
      state.accept(t);
      return t;
    });

    // Sampling at a temperature, with and without the grammar (an end-of-generation token
    // ends only the constrained run: the free one keeps its length).
    auto sampled = [&](SamplerConfig c, bool constrained_run) {
      c.seed = 1234u + static_cast<uint64_t>(r);
      if (constrained_run) c.grammar = b.grammar;
      Sampler s(c, &tok);
      return generate(ctx, prompt, b.n_gen, [&](const float* lg) {
        const int32_t t = s.sample(lg, n_vocab);
        if (constrained_run && tok.is_eog(t)) return -1;
        s.accept(t);
        return t;
      });
    };
    SamplerConfig chain;  // llama.cpp's default chain
    chain.temperature = 0.8f;
    chain.top_k = 40;
    chain.top_p = 0.95f;
    chain.min_p = 0.05f;
    SamplerConfig temp;
    temp.temperature = 0.8f;
    const Run chain_free = sampled(chain, false), chain_run = sampled(chain, true);
    const Run temp_free = sampled(temp, false), temp_run = sampled(temp, true);
    res.chain_free_ms.push_back(per_token(chain_free.choose_ms, chain_free.choices));
    res.chain_ms.push_back(per_token(chain_run.choose_ms, chain_run.choices));
    res.chain_free_cpu_ms.push_back(per_token(chain_free.choose_cpu_ms, chain_free.choices));
    res.chain_cpu_ms.push_back(per_token(chain_run.choose_cpu_ms, chain_run.choices));
    res.temp_free_ms.push_back(per_token(temp_free.choose_ms, temp_free.choices));
    res.temp_ms.push_back(per_token(temp_run.choose_ms, temp_run.choices));
    res.temp_free_cpu_ms.push_back(per_token(temp_free.choose_cpu_ms, temp_free.choices));
    res.temp_cpu_ms.push_back(per_token(temp_run.choose_cpu_ms, temp_run.choices));

    res.free_decode_ms.push_back(per_token(free.decode_ms, free.tokens.size()));
    res.argmax_ms.push_back(per_token(free.choose_ms, free.choices));
    res.grammar_decode_ms.push_back(per_token(constrained.decode_ms, constrained.tokens.size()));
    res.sampler_ms.push_back(per_token(constrained.choose_ms, constrained.choices));
    res.mask_ms.push_back(per_token(masked_run.choose_ms, masked_run.choices));
    res.argmax_cpu_ms.push_back(per_token(free.choose_cpu_ms, free.choices));
    res.sampler_cpu_ms.push_back(per_token(constrained.choose_cpu_ms, constrained.choices));
    res.mask_cpu_ms.push_back(per_token(masked_run.choose_cpu_ms, masked_run.choices));
    res.tokens.push_back(static_cast<int>(constrained.tokens.size()));
    res.same_tokens = res.same_tokens && constrained.tokens == masked_run.tokens;
  }
  return res;
}

}  // namespace hearth::cli

// `hearth bench --json-schema F | --grammar-file F`: what a grammar costs per generated token
// (issue 14's target: at most 5% of the unconstrained decode time). Each rep runs, from the
// same prompt, one after the other: a free greedy generation, a constrained one through the
// Sampler (what `hearth run` does: check the unconstrained choice first, mask only when the
// grammar rejects it) and a constrained one that masks the whole vocabulary at every step (what
// llama.cpp's grammar sampler does, ../shared/tools/peer-llamacpp --grammar-file). The two
// constrained runs must choose the same tokens. Then sampling at a temperature, seeded, each
// with and without the grammar (the grammar's cost there is the difference of the two choice
// times: the unconstrained chain is paid either way): llama.cpp's default chain (temperature
// 0.8, top-k 40, top-p 0.95, min-p 0.05: the grammar checks the chain's draw first) and the
// temperature alone (no truncation: the grammar masks first).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hearth/context.hpp"
#include "hearth/tokenizer.hpp"

namespace hearth::cli {

struct GrammarBench {
  std::string grammar;  // GBNF
  int n_gen;            // at most this many tokens per generation (the grammar may end sooner)
  int reps;
};

// Per rep, per generated token, in milliseconds.
struct GrammarBenchResult {
  std::vector<double> free_decode_ms;     // decode step of the free generation
  std::vector<double> grammar_decode_ms;  // decode step of the constrained generation
  std::vector<double> sampler_ms;         // Sampler::sample + accept (grammar on)
  std::vector<double> argmax_ms;          // the free generation's choice (argmax)
  std::vector<double> mask_ms;            // whole-vocabulary mask + masked argmax + accept
  // The same three in this thread's CPU time (less disturbed by other work on the machine).
  std::vector<double> argmax_cpu_ms, sampler_cpu_ms, mask_cpu_ms;
  // Sampler::sample + accept at a temperature (see above), wall and this thread's CPU time.
  std::vector<double> chain_free_ms, chain_ms, chain_free_cpu_ms, chain_cpu_ms;  // default chain
  std::vector<double> temp_free_ms, temp_ms, temp_free_cpu_ms, temp_cpu_ms;      // temperature
  std::vector<int> tokens;  // tokens of each constrained generation
  double setup_ms = 0;      // parsing the grammar, first vocabulary walk excluded
  bool same_tokens = true;  // both constrained runs chose the same tokens
};

GrammarBenchResult bench_grammar(Context& ctx, const std::vector<int32_t>& prompt,
                                 const GrammarBench& b);

}  // namespace hearth::cli

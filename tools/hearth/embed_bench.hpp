// `hearth embed --bench`: embedding throughput on synthetic token ids, in the shape of the
// issue's target (many texts of one length per call) and like-for-like with llama.cpp's
// `run.sh MODEL --embed --prompt-tokens N` (one text per call).
#pragma once

#include <string>

namespace hearth::cli {

struct EmbedBenchOptions {
  std::string model;
  int n_threads = 2;
  int n_texts = 64;    // texts per call of the batched figure
  int n_tokens = 128;  // tokens of every text (specials included)
  int reps = 5;        // timed calls per figure (after one warm-up call); the median is reported
};

// Prints one JSON object: batch_tok_s (n_texts x n_tokens per call) and single_tok_s (one text
// of n_tokens per call), each the median over reps, and the same per CPU second of the process
// (batch_cpu_tok_s, single_cpu_tok_s). Returns the process exit status.
int run_embed_bench(const EmbedBenchOptions& o);

}  // namespace hearth::cli

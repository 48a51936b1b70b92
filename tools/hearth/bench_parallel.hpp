// `hearth bench --parallel S`: the engine's aggregate generation speed, measured as
// ../shared/tools/peer-llamacpp (peer.cpp --parallel) measures llama.cpp's.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "hearth/model.hpp"

namespace hearth::cli {

struct ParallelBench {
  int sequences;  // S
  int n_gen;      // tokens each sequence generates in the timed phase
  int threads;
  int batch;  // token budget of a step (at least S)
  int reps;
};

// Per rep: all S sequences' tokens per second of the generation phase.
std::vector<double> bench_parallel(const std::shared_ptr<const Model>& model,
                                   const std::vector<int32_t>& prompt, const ParallelBench& b);

}  // namespace hearth::cli

// Sequence — the engine thread's state of one admitted or queued request: its tokens, block
// table, sampler and text stream.
//
// tokens holds the prompt and then every sampled token; the K/V of tokens[0, n_computed) is in
// the blocks. tiled[i] records which attention algorithm token i is (or was) evaluated with:
// prompt tokens get Context's choice for the prompt decoded in one call (micro-batches of
// kPrefillBatch), sampled tokens the one-row algorithm (Context decodes them one at a time).
// Keeping it per token makes chunked prefill, recomputation after preemption and prefix reuse
// give exactly the bits a Context would.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/request.hpp"
#include "sampler/sampler_chain.hpp"
#include "sampler/stop_string_stream.hpp"

namespace hearth::engine {

// Context's default n_batch: the micro-batch size whose attention algorithm prompts follow.
constexpr int kPrefillBatch = 512;

// Per prompt token: 1 when Context::decode of the whole prompt (n_batch kPrefillBatch) would
// evaluate it with the tiled algorithm.
std::vector<uint8_t> prefill_algorithms(int n_prompt);

struct Sequence {
  // `vocab` (may be null) is what a grammar in the request's sampler config is matched against.
  Sequence(std::shared_ptr<Request> r, const Tokenizer* vocab);

  std::shared_ptr<Request> req;
  std::vector<int32_t> tokens;
  std::vector<uint8_t> tiled;
  std::vector<int> blocks;  // block table: positions [16 i, 16 i + 16) live in blocks[i]
  int n_computed = 0;
  int n_published = 0;     // leading blocks already published (or found in the cache)
  uint64_t last_hash = 0;  // chain hash of block n_published - 1 (tenant seed when none)
  Sampler sampler;
  StopStringStream stream;
  bool admitted_once = false;
  bool in_flight = false;  // part of the step being computed (the engine thread owns it)
  bool finished = false;   // outcome recorded, blocks released; dropped at the next plan
  int n_sampled = 0;

  int remaining() const { return static_cast<int>(tokens.size()) - n_computed; }
  bool prefilling() const { return remaining() > 1; }
};

}  // namespace hearth::engine

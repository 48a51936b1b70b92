// Causal attention of a chunk of query tokens over one sequence's F16 K/V rows — the two
// flash-attention algorithms of llama.cpp's CPU backend (attention.cpp), shared by
// Context::forward and the engine's batched step (src/engine/), so that a token gets the same
// bits whichever of them evaluates it.
//
// Per query row the result depends only on that row's q, the K/V cells it sees and the
// algorithm, never on which other rows run with it: callers may split a chunk into runs and
// choose the algorithm per run (the engine does, to follow the choice Context would make).
#pragma once

#include <cstdint>

#include "hearth/model.hpp"
#include "kernels/kernel_table.hpp"

namespace hearth {

class ThreadPool;

namespace attention {

// Context::forward picks the tiled algorithm for micro-batches of this many tokens or more.
constexpr int kTiledMinRows = 64;

// Tokens 0..n_tok-1 of a chunk at positions p0..p0+n_tok-1; token t sees cells 0..p0+t.
// q, out: [n_tok][n_head * head_dim] (the chunk's first row); out may be q (each (token, head)
// result is written after that head's query was read, and only there). kv: the sequence's K/V cells
// (rows of n_head_kv * head_dim halves; kv.offset 0), read in place through its block table.
// tiled: the tiled algorithm, else the one-row one (F16 accumulator). Runs on `pool` (may be
// null); results do not depend on it.
void attend_chunk(const ModelConfig& c, ThreadPool* pool, const float* q, float* out, int p0,
                  int n_tok, bool tiled, const kernels::KvBlocks& kv);

// One query token for the one-row algorithm: all its heads over cells 0..n_kv-1 of *kv
// (kv->offset 0). q, out: [n_head * head_dim]; out may be q, as for attend_chunk.
struct RowJob {
  const float* q = nullptr;
  float* out = nullptr;
  int n_kv = 0;
  const kernels::KvBlocks* kv = nullptr;
};

// The one-row algorithm for tokens of any sequences at once (the engine's decode step: one
// parallel loop for the whole batch rather than one per sequence). Each token's result is that
// of attend_chunk with tiled = false.
void attend_rows(const ModelConfig& c, ThreadPool* pool, const RowJob* jobs, int n_jobs);

}  // namespace attention
}  // namespace hearth

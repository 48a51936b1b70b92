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

namespace hearth {

class ThreadPool;

namespace attention {

// Context::forward picks the tiled algorithm for micro-batches of this many tokens or more.
constexpr int kTiledMinRows = 64;

// Tokens 0..n_tok-1 of a chunk at positions p0..p0+n_tok-1; token t sees cells 0..p0+t.
// q, out: [n_tok][n_head * head_dim] (the chunk's first row). K, V: rows of positions
// 0..p0+n_tok-1, n_head_kv * head_dim halves apart. tiled: the tiled algorithm, else the
// one-row one (F16 accumulator). Runs on `pool` (may be null); results do not depend on it.
void attend_chunk(const ModelConfig& c, ThreadPool* pool, const float* q, float* out, int p0,
                  int n_tok, bool tiled, const uint16_t* K, const uint16_t* V);

}  // namespace attention
}  // namespace hearth

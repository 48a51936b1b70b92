// The forward pass over a stacked batch of tokens from one or more sequences: every weight
// matmul runs once over all tokens ([n_tok][n_in] activations), while RoPE positions, K/V
// writes and attention are per sequence. Context::forward runs it with one sequence over its
// contiguous cache; the engine (src/engine/) with several over paged blocks.
//
// A token's logits do not depend on the other sequences of the batch: the matmul kernels give
// per-token results independent of the batch size and every other step is per token or per
// sequence.
#pragma once

#include <cstdint>
#include <vector>

#include "hearth/model.hpp"

namespace hearth {

class ThreadPool;

namespace fwd {

// One sequence's tokens in the batch: tokens [first, first + n_tok) at positions p0.. .
struct SeqSlice {
  int first = 0;
  int n_tok = 0;
  int p0 = 0;
  // Per token, non-zero: attend with the tiled algorithm, else the one-row one. Null: Context's
  // choice for a micro-batch of n_tok tokens (tiled iff n_tok >= attention::kTiledMinRows).
  const uint8_t* tiled = nullptr;
};

// Where the K/V rows of the batch's sequences live.
class KvStore {
 public:
  virtual ~KvStore() = default;
  // The F16 K (V) row, n_head_kv * head_dim halves, of sequence `seq` (its index in the batch)
  // at `pos` in layer `layer`. Called from several threads at once for distinct rows.
  virtual uint16_t* k_row(int seq, int layer, int pos) = 0;
  virtual uint16_t* v_row(int seq, int layer, int pos) = 0;
  // The block table of positions [0, n) of `seq` in `layer`, for attention to read in place:
  // fills k and v with the blocks' base pointers (their storage is the caller's) and returns
  // the cells per block (a contiguous cache: one block of at least n). Rows are n_head_kv *
  // head_dim halves apart within a block. Called from one thread, after the writes.
  virtual int blocks(int seq, int layer, int n, std::vector<const uint16_t*>& k,
                     std::vector<const uint16_t*>& v) = 0;
};

// Runs tokens[0..n_tok) (the slices cover them, in order) through every layer, writing their
// K/V rows, then the output head for the batch rows listed in logit_rows (ascending):
// out_logits [n_logit_rows][n_vocab] (may be null when n_logit_rows is 0).
void forward_batch(const Model& m, ThreadPool* pool, const int32_t* tokens, int n_tok,
                   const SeqSlice* seqs, int n_seqs, KvStore& kv, const int* logit_rows,
                   int n_logit_rows, float* out_logits);

}  // namespace fwd
}  // namespace hearth

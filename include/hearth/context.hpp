// hearth::Context — a KV cache over a Model plus the forward pass that fills it.
//
// Threading: a Context is used by one thread at a time; cancel() may be called from any thread.
// Cancellation: every call that may be cancelled (decode, generate(), a Session's generate)
// runs inside a CallScope; cancel() stops the running call and returns true, or returns false
// when none runs. A cancel is thus never lost at a call's start (the flag is cleared when the
// outermost scope opens, under the same lock cancel() takes) nor kept for a later call, nor
// lost at its end: the call commits its result with CallScope::complete(), which fails when a
// cancel came first, and after which cancel() reports that nothing runs.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "hearth/model.hpp"

namespace hearth {

class ThreadPool;
namespace platform {
class LargeBufferFiller;
}

struct ContextParams {
  int n_ctx = 2048;   // KV cache length in tokens (capped at the model's training context)
  int n_threads = 0;  // 0: one per logical core
  int n_batch = 512;  // tokens per forward pass during prefill
};

class Context {
 public:
  // Throws kInvalidArgument for n_ctx <= 0 or n_ctx too large to allocate sensibly.
  Context(std::shared_ptr<const Model> model, const ContextParams& params);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const Model& model() const { return *model_; }
  int n_ctx() const { return n_ctx_; }
  int n_past() const { return n_past_; }
  int n_vocab() const { return model_->config().n_vocab; }
  int n_threads() const;
  void set_threads(int n_threads);

  // Appends `n` tokens at positions n_past..n_past+n-1 and evaluates them (in batches of
  // n_batch). all_logits: keep the logits of every token, else only of the last one.
  // Throws kInvalidArgument (token out of vocabulary, n == 0), kContextFull (no room: the
  // context is left unchanged) or kCancelled.
  void decode(const int32_t* tokens, size_t n, bool all_logits = false);

  // Logits after the last decoded token (n_vocab floats); throws if nothing was decoded.
  const float* logits() const;
  // With all_logits: [n tokens of the last decode][n_vocab].
  const std::vector<float>& all_logits() const { return all_logits_; }

  void truncate(int n_keep);  // forget positions >= n_keep

  // KV state of positions [0, n) (src/context/kv_state.cpp), for prompt caches and session
  // files. Layout: for each layer, its K rows then its V rows, each [n][kv_row_halves()] IEEE
  // half — kv_state_halves(n) values in all.
  size_t kv_row_halves() const { return kv_row_halves_; }
  size_t kv_state_halves(int n) const;
  // Throws kInvalidArgument unless 0 <= n <= n_past().
  std::vector<uint16_t> export_kv(int n) const;
  // Replaces the cache with positions [0, n) from `state` (kv_state_halves(n) values, as
  // export_kv wrote them); n_past becomes n and there are no logits until the next decode.
  // Throws kInvalidArgument (size mismatch) or kContextFull (n > n_ctx), leaving it unchanged.
  void import_kv(const std::vector<uint16_t>& state, int n);
  // True: a call runs and will stop (throwing kCancelled, or generate() reporting kCancelled)
  // unless it was already finishing; false: nothing was running, nothing changes.
  bool cancel();
  bool cancel_requested() const { return cancel_.load(); }
  // Kept for source compatibility: clears a pending cancel of the running call.
  void clear_cancel() { cancel_.store(false); }

  // Marks a cancellable call as running for its lifetime. Scopes nest: only the outermost one
  // clears the flag, on entry and on exit.
  class CallScope {
   public:
    explicit CallScope(Context& ctx);
    ~CallScope();
    // The call's commit point. False: a cancel arrived (the call must report kCancelled and
    // may call complete() no more). True: the call completes; the outermost scope then stops
    // accepting cancels (an inner one leaves that to the outer call).
    bool complete();
    CallScope(const CallScope&) = delete;
    CallScope& operator=(const CallScope&) = delete;

   private:
    Context& ctx_;
    bool open_ = true;  // still counted in ctx_.calls_
  };

 private:
  void forward(const int32_t* tokens, int n_tok, bool want_all, float* out_logits);

  std::shared_ptr<const Model> model_;
  int n_ctx_ = 0;
  int n_batch_ = 512;
  int n_past_ = 0;
  size_t kv_row_halves_ = 0;  // n_head_kv * head_dim: one position of one layer's K (or V)
  std::unique_ptr<ThreadPool> pool_;
  // Keys and values as IEEE half (llama.cpp default): per layer [n_ctx][n_head_kv * head_dim]
  // keys, then as many values, in one 2 MiB-aligned buffer (every head's rows on cache lines;
  // on Linux its pages resident only once positions are written). KvView (forward.cpp) shows
  // it to the forward pass.
  class KvView;
  std::shared_ptr<uint16_t> kv_cache_;
  uint16_t* k_rows(int layer) const {
    return kv_cache_.get() + 2 * static_cast<size_t>(layer) * kv_layer_halves();
  }
  uint16_t* v_rows(int layer) const { return k_rows(layer) + kv_layer_halves(); }
  size_t kv_layer_halves() const { return static_cast<size_t>(n_ctx_) * kv_row_halves_; }
  // Backs the rows of positions up to n (in steps, all layers) with memory before a forward
  // pass writes them: one call per step instead of a page fault per 4 KiB.
  void kv_reserve(int n);
  int n_layer_ = 0;
  int kv_backed_ = 0;  // positions whose rows have memory behind them
  std::unique_ptr<platform::LargeBufferFiller> kv_filler_;
  std::vector<float> logits_;      // last token
  std::vector<float> all_logits_;  // every token of the last decode (when asked)
  bool has_logits_ = false;
  std::atomic<bool> cancel_{false};
  std::mutex call_mu_;  // orders cancel() against the start and end of calls
  int calls_ = 0;       // open CallScopes (guarded by call_mu_)
};

}  // namespace hearth

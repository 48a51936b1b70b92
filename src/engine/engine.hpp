// Engine — continuous batching over one model: many requests share one paged KV pool and one
// step loop (its own thread). Each step decodes one token for every running sequence and fills
// the rest of the token budget with chunks of prompts (chunked prefill); every weight matmul
// runs once over all the step's tokens (fwd::forward_batch).
//
//   engine.cpp     submit / cancel / stats, the thread
//   scheduler.cpp  which tokens a step runs: admission (FCFS), chunking, preemption, blocks
//   step.cpp       running a planned step: forward, sampling, streaming, finishing
//
// Threads: submit, cancel and stats may be called from any thread. Callbacks run on the
// engine thread, without the engine's lock held (they may call cancel or submit).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/block_pool.hpp"
#include "engine/request.hpp"
#include "engine/sequence.hpp"
#include "engine/step_cost.hpp"
#include "hearth/model.hpp"

namespace hearth {
class ThreadPool;
}

namespace hearth::engine {

struct EngineParams {
  int n_ctx = 2048;        // longest sequence (prompt + generated), capped at the training context
  int n_threads = 0;       // 0: one per logical core
  int kv_blocks = 0;       // pool size in blocks of kBlockTokens; 0: 4 sequences of n_ctx
  int max_running = 16;    // sequences decoding or prefilling at once
  int token_budget = 512;  // tokens per step (decodes + prefill chunks); >= max_running
  // While sequences decode, a step carrying a prompt chunk is sized to take at most this many
  // times a decode-only step (step_cost.hpp); 0: chunks limited by token_budget only. 2.5 leaves
  // room for the estimate's error: the streams' worst gap stays under 3x their usual one
  // (benchmarks/admission_gap.py; 3.0 gave 3.45x).
  double max_decode_stall = 2.5;
};

struct EngineStats {
  int running = 0;
  int waiting = 0;
  int blocks_total = 0;
  int blocks_used = 0;            // referenced by a sequence
  int blocks_cached = 0;          // unreferenced, kept for prefix reuse
  uint64_t tokens_processed = 0;  // tokens run through the forward pass
  uint64_t steps = 0;
  uint64_t preemptions = 0;
};

class Engine {
 public:
  // Throws kInvalidArgument for a null model or out-of-range params, kOutOfMemory.
  Engine(std::shared_ptr<const Model> model, const EngineParams& params);
  // Cancels whatever is still queued or running, then joins the thread.
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Validates and queues a request. Throws kInvalidArgument (empty prompt, token outside the
  // vocabulary, max_tokens <= 0, negative deadline, bad sampler values) or kContextFull (the
  // prompt does not fit n_ctx, or the pool could not hold it even alone).
  std::shared_ptr<Request> submit(RequestOptions options);
  // Validates every request, then queues them all at once (in order, under one lock), so that
  // they are admitted in the same step when there is room. Throws as submit() for the first
  // invalid one; then nothing is queued.
  std::vector<std::shared_ptr<Request>> submit_all(std::vector<RequestOptions> options);
  // Finishes the request with kCancelled and frees its blocks at once — or, when it is part of
  // the step being computed, as soon as that step ends. False when it had already finished.
  bool cancel(const std::shared_ptr<Request>& req);
  EngineStats stats() const;

  const Model& model() const { return *model_; }
  int n_ctx() const { return n_ctx_; }

 private:
  struct Plan {
    std::vector<Sequence*> seqs;
    std::vector<int> n_tok;    // tokens each runs this step
    int n_decode = 0;          // sequences decoding one token
    int n_prefill = 0;         // prompt tokens
    double prefill_cells = 0;  // attention cells they read (StepCost::cells)
  };
  void loop();
  // submit()'s checks; the sequence that would be queued.
  std::unique_ptr<Sequence> validated_sequence(RequestOptions options) const;
  // scheduler.cpp (under mu_)
  bool plan_step(Plan& plan);
  bool ensure_blocks(Sequence& s, int n_tokens, bool may_preempt);
  void admit_prefix(Sequence& s);
  void preempt(Sequence& s);
  void expire_deadlines(Clock::time_point now);
  // step.cpp
  void run_step(Plan& plan);
  void publish_full_blocks(Sequence& s);
  // Both under mu_: drop the sequence (its blocks released), record the outcome, notify.
  void finish(Sequence& s, FinishReason reason, const std::string& error = {});
  void release_blocks(Sequence& s);

  std::shared_ptr<const Model> model_;
  int n_ctx_, max_running_, token_budget_;
  double max_decode_stall_;
  StepCost step_cost_;  // under mu_
  size_t kv_dim_;
  std::unique_ptr<ThreadPool> pool_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  BlockPool blocks_;  // guarded by mu_ (the K/V rows of in-flight sequences are not)
  std::deque<std::unique_ptr<Sequence>> waiting_;   // FCFS; preempted ones go back in front
  std::vector<std::unique_ptr<Sequence>> running_;  // oldest admission first
  EngineStats counters_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hearth::engine

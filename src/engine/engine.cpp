#include "engine/engine.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/thread_pool.hpp"
#include "hearth/error.hpp"

namespace hearth::engine {
namespace {

int capped_ctx(const Model& m, int n_ctx) {
  const int train = m.config().n_ctx_train;
  return train > 0 ? std::min(n_ctx, train) : n_ctx;
}

// Checked before any member is built, so that bad params never allocate a pool.
const EngineParams& validated(const std::shared_ptr<const Model>& model, const EngineParams& p) {
  if (!model) fail(Status::kInvalidArgument, "Engine: no model");
  if (p.n_ctx <= 0 || p.n_ctx > (1 << 24))
    fail(Status::kInvalidArgument,
         fmt::format("n_ctx must be in 1..{} (got {})", 1 << 24, p.n_ctx));
  if (p.n_threads < 0 || p.n_threads > 1024)
    fail(Status::kInvalidArgument, fmt::format("n_threads {} is out of range", p.n_threads));
  if (p.kv_blocks < 0)
    fail(Status::kInvalidArgument, fmt::format("kv_blocks must be >= 0 (got {})", p.kv_blocks));
  if (p.max_running <= 0)
    fail(Status::kInvalidArgument,
         fmt::format("max_running must be positive (got {})", p.max_running));
  if (p.token_budget < p.max_running)
    fail(Status::kInvalidArgument,
         fmt::format("token_budget {} must be at least max_running {} (one decode each)",
                     p.token_budget, p.max_running));
  if (!(p.max_decode_stall == 0 || (p.max_decode_stall >= 1.5 && p.max_decode_stall <= 1e6)))
    fail(Status::kInvalidArgument,
         fmt::format("max_decode_stall must be 0 (off) or in 1.5..1e6 (got {})",
                     p.max_decode_stall));
  return p;
}

int pool_blocks(const Model& m, const EngineParams& p) {
  if (p.kv_blocks > 0) return p.kv_blocks;
  const int64_t per_seq = (capped_ctx(m, p.n_ctx) + kBlockTokens - 1) / kBlockTokens;
  return static_cast<int>(std::min<int64_t>(4 * per_seq, 1 << 20));
}

}  // namespace

Engine::Engine(std::shared_ptr<const Model> model, const EngineParams& params)
    : model_(std::move(model)),
      n_ctx_(capped_ctx(*model_, validated(model_, params).n_ctx)),
      max_running_(params.max_running),
      token_budget_(params.token_budget),
      max_decode_stall_(params.max_decode_stall),
      kv_dim_(static_cast<size_t>(model_->config().n_head_kv) * model_->config().head_dim),
      pool_(std::make_unique<ThreadPool>(params.n_threads)),
      blocks_(pool_blocks(*model_, params), model_->config().n_layer, kv_dim_) {
  counters_.blocks_total = blocks_.n_blocks();
  thread_ = std::thread([this] { loop(); });
}

Engine::~Engine() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& s : running_)
    if (!s->finished) finish(*s, FinishReason::kCancelled);
  for (auto& s : waiting_)
    if (!s->finished) finish(*s, FinishReason::kCancelled);
}

std::unique_ptr<Sequence> Engine::validated_sequence(RequestOptions options) const {
  const ModelConfig& c = model_->config();
  const auto& prompt = options.prompt;
  if (prompt.empty()) fail(Status::kInvalidArgument, "the request has no prompt tokens");
  for (size_t i = 0; i < prompt.size(); ++i)
    if (prompt[i] < 0 || prompt[i] >= c.n_vocab)
      fail(Status::kInvalidArgument,
           fmt::format("prompt token {} at index {} is outside the vocabulary (0..{})", prompt[i],
                       i, c.n_vocab - 1));
  if (options.max_tokens <= 0)
    fail(Status::kInvalidArgument,
         fmt::format("max_tokens must be positive (got {})", options.max_tokens));
  if (!(options.deadline_ms >= 0))
    fail(Status::kInvalidArgument,
         fmt::format("deadline_ms must be >= 0 (got {})", options.deadline_ms));
  validate_sampler_config(options.sampler, c.n_vocab);
  if (static_cast<int64_t>(prompt.size()) > n_ctx_)
    fail(Status::kContextFull,
         fmt::format("the prompt has {} tokens, the context holds {}", prompt.size(), n_ctx_));
  // Room for the prompt plus the first sampled token, the least a request needs alone.
  const int64_t pool_tokens = static_cast<int64_t>(blocks_.n_blocks()) * kBlockTokens;
  if (static_cast<int64_t>(prompt.size()) + 1 > pool_tokens)
    fail(Status::kContextFull,
         fmt::format("the KV pool holds {} tokens, too few for a prompt of {}", pool_tokens,
                     prompt.size()));
  auto req = std::make_shared<Request>(std::move(options));
  // Validates the sampler again (cheap) and parses its grammar, if any, against the vocabulary.
  return std::make_unique<Sequence>(req, model_->tokenizer());
}

std::shared_ptr<Request> Engine::submit(RequestOptions options) {
  std::vector<RequestOptions> one;
  one.push_back(std::move(options));
  return submit_all(std::move(one)).front();
}

std::vector<std::shared_ptr<Request>> Engine::submit_all(std::vector<RequestOptions> options) {
  std::vector<std::unique_ptr<Sequence>> seqs;
  std::vector<std::shared_ptr<Request>> reqs;
  for (auto& o : options) {
    seqs.push_back(validated_sequence(std::move(o)));
    reqs.push_back(seqs.back()->req);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) fail(Status::kInvalidArgument, "the engine is shutting down");
    for (auto& s : seqs) waiting_.push_back(std::move(s));
  }
  wake_.notify_all();
  return reqs;
}

bool Engine::cancel(const std::shared_ptr<Request>& req) {
  if (!req) return false;
  std::lock_guard<std::mutex> lock(mu_);
  req->cancel_requested.store(true);
  for (auto* list : {&running_}) {
    for (auto& s : *list)
      if (s->req == req && !s->finished) {
        if (!s->in_flight) finish(*s, FinishReason::kCancelled);  // else: when the step ends
        return true;
      }
  }
  for (auto& s : waiting_)
    if (s->req == req && !s->finished) {
      finish(*s, FinishReason::kCancelled);
      return true;
    }
  return false;
}

EngineStats Engine::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  EngineStats st = counters_;
  st.running = static_cast<int>(
      std::count_if(running_.begin(), running_.end(), [](auto& s) { return !s->finished; }));
  st.waiting = static_cast<int>(
      std::count_if(waiting_.begin(), waiting_.end(), [](auto& s) { return !s->finished; }));
  st.blocks_used = blocks_.n_referenced();
  st.blocks_cached = blocks_.n_cached();
  return st;
}

void Engine::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    Plan plan;
    bool planned = false;
    try {
      expire_deadlines(Clock::now());
      planned = plan_step(plan);
    } catch (const std::exception& e) {
      for (auto& s : running_)
        if (!s->finished) finish(*s, FinishReason::kError, e.what());
      continue;
    }
    if (!planned) {
      // Idle: woken by submit / cancel / the destructor; the timeout catches deadlines of
      // requests that wait for room.
      wake_.wait_for(lock, std::chrono::milliseconds(20));
      continue;
    }
    for (Sequence* s : plan.seqs) s->in_flight = true;
    lock.unlock();
    const Clock::time_point start = Clock::now();
    run_step(plan);  // takes the lock for its bookkeeping
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    lock.lock();
    step_cost_.record(plan.n_decode, plan.n_prefill, plan.prefill_cells, seconds);
  }
}

void Engine::release_blocks(Sequence& s) {
  for (int b : s.blocks) blocks_.release(b);
  s.blocks.clear();
}

void Engine::finish(Sequence& s, FinishReason reason, const std::string& error) {
  release_blocks(s);
  s.finished = true;
  Request& r = *s.req;
  {
    std::lock_guard<std::mutex> lock(r.mu);
    r.reason = reason;
    r.error = error;
    r.usage.generated_tokens = static_cast<int>(r.tokens.size());
  }
  r.cv.notify_all();
}

}  // namespace hearth::engine

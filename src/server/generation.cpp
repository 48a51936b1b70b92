#include "server/generation.hpp"

#include <algorithm>
#include <cmath>

#include "hearth/error.hpp"
#include "hearth/tokenizer.hpp"
#include "safety/engine_screen.hpp"
#include "server/api_error.hpp"

namespace hearth::server {

struct Generation::Shared {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Piece> pieces;
  size_t bytes = 0, limit = 0;
  bool overflow = false;
};

namespace {
// Log-softmax of one row, the sampled token's entry and the `top` best.
struct PendingLogprobs {
  std::vector<float> lsm;
};

void log_softmax(const float* logits, int n, std::vector<float>& out) {
  out.assign(logits, logits + n);
  const float mx = *std::max_element(out.begin(), out.end());
  double sum = 0;
  for (float v : out) sum += std::exp(static_cast<double>(v - mx));
  const float lse = mx + static_cast<float>(std::log(sum));
  for (float& v : out) v -= lse;
}
}  // namespace

Generation::Generation(engine::Engine& engine, std::vector<int32_t> prompt,
                       const GenerationParams& params, const std::string& tenant,
                       size_t buffer_limit,
                       std::shared_ptr<const safety::ContentFilter> filter)
    : engine_(engine), shared_(std::make_shared<Shared>()) {
  shared_->limit = buffer_limit;
  const Tokenizer* tok = engine.model().tokenizer();
  const int n_vocab = engine.model().config().n_vocab;
  for (int32_t t : prompt)
    if (t < 0 || t >= n_vocab)
      throw ApiError(400,
                     "token id " + std::to_string(t) + " is outside the vocabulary (" +
                         std::to_string(n_vocab) + ")",
                     "prompt");
  for (const auto& b : params.sampler.logit_bias)
    if (b.token >= n_vocab)
      throw ApiError(400,
                     "logit_bias token " + std::to_string(b.token) + " is outside the vocabulary",
                     "logit_bias");
  const int room = engine.n_ctx() - static_cast<int>(prompt.size());
  if (room <= 0)
    throw ApiError(400,
                   "the prompt is " + std::to_string(prompt.size()) +
                       " tokens; this server's context is " + std::to_string(engine.n_ctx()),
                   params.chat ? "messages" : "prompt", "context_length_exceeded");
  for (int i = 0; i < params.n; ++i) {
    engine::RequestOptions o;
    o.prompt = prompt;
    o.max_tokens = params.max_tokens > 0 ? std::min(params.max_tokens, room) : room;
    o.sampler = params.sampler;
    if (o.sampler.seed != kRandomSeed) o.sampler.seed += static_cast<uint64_t>(i);
    o.stop_strings = params.stop;
    o.tenant = tenant;
    o.output_screen = safety::make_output_screen(filter);  // one guard per choice
    auto shared = shared_;
    auto pending = std::make_shared<PendingLogprobs>();
    const bool want_lp = params.logprobs;
    const int top_n = params.top_logprobs;
    if (want_lp)
      o.on_logits = [pending](const float* logits, int n) { log_softmax(logits, n, pending->lsm); };
    o.on_piece = [shared, pending, want_lp, top_n, tok, i](int token, const std::string& text) {
      Piece p;
      p.choice = i;
      p.text = text;
      p.at = engine::Clock::now();
      if (want_lp && token >= 0 && token < static_cast<int>(pending->lsm.size())) {
        p.has_logprob = true;
        p.lp.token = token;
        p.lp.text = tok ? tok->token_to_piece(token) : "";
        p.lp.logprob = pending->lsm[token];
        if (top_n > 0) {
          std::vector<int> idx(pending->lsm.size());
          for (size_t k = 0; k < idx.size(); ++k) idx[k] = static_cast<int>(k);
          const size_t m = std::min(idx.size(), static_cast<size_t>(top_n));
          std::partial_sort(idx.begin(), idx.begin() + m, idx.end(), [&](int a, int b) {
            return pending->lsm[a] > pending->lsm[b] ||
                   (pending->lsm[a] == pending->lsm[b] && a < b);
          });
          for (size_t k = 0; k < m; ++k) p.lp.top.push_back({idx[k], pending->lsm[idx[k]]});
        }
      }
      {
        std::lock_guard<std::mutex> lock(shared->mu);
        if (shared->overflow) return;
        shared->bytes += p.text.size() + 16;
        if (shared->bytes > shared->limit) shared->overflow = true;
        shared->pieces.push_back(std::move(p));
      }
      shared->cv.notify_all();
    };
    try {
      requests_.push_back(engine.submit(std::move(o)));
    } catch (const Error& e) {
      cancel();
      const std::string param = e.status() == Status::kContextFull
                                    ? (params.chat ? "messages" : "prompt")
                                    : std::string();
      throw ApiError(400, e.what(), param,
                     e.status() == Status::kContextFull ? "context_length_exceeded" : "");
    }
  }
}

Generation::~Generation() {
  cancel();
}

void Generation::cancel() {
  for (auto& r : requests_)
    if (!r->done()) engine_.cancel(r);
}

bool Generation::overflowed() const {
  std::lock_guard<std::mutex> lock(shared_->mu);
  return shared_->overflow;
}

bool Generation::poll(std::vector<Piece>& out, int timeout_ms) {
  // Pieces are queued before a request is marked done, so "all done" read before taking the
  // queue means nothing can follow.
  bool all_done = true;
  for (const auto& r : requests_) all_done = all_done && r->done();
  std::unique_lock<std::mutex> lock(shared_->mu);
  if (shared_->pieces.empty() && !all_done)
    shared_->cv.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                         [&] { return !shared_->pieces.empty(); });
  while (!shared_->pieces.empty()) {
    out.push_back(std::move(shared_->pieces.front()));
    shared_->pieces.pop_front();
  }
  shared_->bytes = 0;
  return !(all_done && out.empty());
}

std::string Generation::finish_reason(int i) const {
  std::lock_guard<std::mutex> lock(requests_[i]->mu);
  switch (requests_[i]->reason) {
    case engine::FinishReason::kStop:
      return "stop";
    case engine::FinishReason::kLength:
      return "length";
    case engine::FinishReason::kCancelled:
      return "cancelled";
    case engine::FinishReason::kDeadline:
      return "length";
    case engine::FinishReason::kError:
      return "error";
    case engine::FinishReason::kContentFilter:
      return "content_filter";
    default:
      return "";
  }
}

std::string Generation::blocked_category(int i) const {
  std::lock_guard<std::mutex> lock(requests_[i]->mu);
  return requests_[i]->blocked_category;
}

engine::Usage Generation::usage() const {
  engine::Usage u;
  for (size_t i = 0; i < requests_.size(); ++i) {
    std::lock_guard<std::mutex> lock(requests_[i]->mu);
    const auto& r = requests_[i]->usage;
    if (i == 0) {
      u.prompt_tokens = r.prompt_tokens;
      u.cached_prompt_tokens = r.cached_prompt_tokens;
    }
    // Not usage.generated_tokens: the engine writes that when it finishes the request, which for
    // a request just cancelled (client gone) has not happened yet when the call is recorded.
    u.generated_tokens += static_cast<int>(requests_[i]->tokens.size());
  }
  return u;
}

double Generation::first_token_ms() const {
  double best = 0;
  for (const auto& r : requests_) {
    std::lock_guard<std::mutex> lock(r->mu);
    if (r->timings.first_token_ms > 0 && (best == 0 || r->timings.first_token_ms < best))
      best = r->timings.first_token_ms;
  }
  return best;
}

}  // namespace hearth::server

// Generation — one API request's engine requests (n choices), streamed back to the HTTP thread.
// The engine thread pushes each piece (and, when asked, its log-probabilities) into a bounded
// buffer; the HTTP thread polls it. A buffer that outgrows its bound (a client not reading) gets
// the request cancelled instead of blocking the engine.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine.hpp"
#include "safety/filter.hpp"
#include "server/request_params.hpp"

namespace hearth::server {

struct TokenLogprob {
  int token = -1;
  std::string text;
  float logprob = 0;
  std::vector<std::pair<int, float>> top;  // most likely first
};

struct Piece {
  int choice = 0;
  std::string text;
  bool has_logprob = false;
  TokenLogprob lp;
  engine::Clock::time_point at;
};

class Generation {
 public:
  // Submits params.n requests. Throws ApiError 400 for what the engine rejects (context too
  // long, token ids outside the vocabulary, bad sampler values).
  // `filter` (may be null) screens every choice's output (FinishReason::kContentFilter).
  Generation(engine::Engine& engine, std::vector<int32_t> prompt, const GenerationParams& params,
             const std::string& tenant, size_t buffer_limit,
             std::shared_ptr<const safety::ContentFilter> filter = nullptr);
  ~Generation();  // cancels whatever still runs
  Generation(const Generation&) = delete;
  Generation& operator=(const Generation&) = delete;

  // Waits up to timeout_ms for pieces and moves them to `out`; false once every choice finished
  // and every piece was taken.
  bool poll(std::vector<Piece>& out, int timeout_ms);
  void cancel();
  bool overflowed() const;
  int n() const { return static_cast<int>(requests_.size()); }
  const engine::Request& request(int i) const { return *requests_[i]; }
  // "stop", "length", "content_filter", or "cancelled"/"error" for the engine's other outcomes.
  std::string finish_reason(int i) const;
  // The filter's category for a choice that ended with "content_filter" ("" otherwise).
  std::string blocked_category(int i) const;
  engine::Usage usage() const;  // summed over the choices (prompt counted once)
  double first_token_ms() const;

 private:
  struct Shared;
  engine::Engine& engine_;
  std::shared_ptr<Shared> shared_;
  std::vector<std::shared_ptr<engine::Request>> requests_;
};

}  // namespace hearth::server

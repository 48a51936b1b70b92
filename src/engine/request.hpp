// A generation request to the engine: what the caller asks for (RequestOptions) and the state
// the caller and the engine thread share (Request).
//
// Threads: options are immutable after submit. The engine thread writes the outcome under
// Request::mu and notifies `cv`; callers read it under the same mutex (wait / next_piece).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/output_screen.hpp"
#include "sampler/sampler_config.hpp"

namespace hearth::engine {

using Clock = std::chrono::steady_clock;

enum class FinishReason : int {
  kNone = -1,      // still running
  kStop = 0,       // end-of-generation token or stop string
  kLength = 1,     // max_tokens, the sequence's context, or a pool too small for it alone
  kCancelled = 2,  // cancel()
  kDeadline = 3,   // the deadline passed
  kError = 4,      // something failed while it ran (message in Request::error)
  kContentFilter = 5,  // the output screen blocked the reply (category in Request::blocked_category)
};

struct RequestOptions {
  std::vector<int32_t> prompt;  // token ids, at least one
  int max_tokens = 256;         // > 0
  SamplerConfig sampler;        // default: greedy
  std::vector<std::string> stop_strings;
  std::string tenant;      // cache-isolation key: blocks are shared only within one tenant
  double deadline_ms = 0;  // from submit; 0: none
  // Called on the engine thread with each newly final piece of text (complete UTF-8, never part
  // of a stop string); may be empty-handed (no pull queue) when set. Must not block long.
  std::function<void(int token, const std::string& text)> on_piece;
  // Tests and diagnostics: the logits every sampled token was drawn from.
  std::function<void(const float* logits, int n_vocab)> on_logits;
  // Optional: screens the text before delivery (OutputScreen). Used on the engine thread only.
  std::shared_ptr<OutputScreen> output_screen;
};

struct Usage {
  int prompt_tokens = 0;
  int cached_prompt_tokens = 0;  // prompt tokens whose K/V came from shared blocks
  int generated_tokens = 0;
};

struct Timings {
  double queue_ms = 0;        // submit -> first admission
  double first_token_ms = 0;  // submit -> first sampled token (0 if none)
};

class Request {
 public:
  explicit Request(RequestOptions o) : options(std::move(o)), submitted(Clock::now()) {}

  const RequestOptions options;
  const Clock::time_point submitted;
  std::atomic<bool> cancel_requested{false};

  mutable std::mutex mu;
  std::condition_variable cv;
  // Guarded by mu:
  std::deque<std::string> pieces;  // pull mode (no on_piece): text not yet taken
  std::vector<int32_t> tokens;     // generated
  FinishReason reason = FinishReason::kNone;
  std::string error;
  std::string blocked_category;  // FinishReason::kContentFilter: the screen's category
  Usage usage;
  Timings timings;

  bool done() const {
    std::lock_guard<std::mutex> lock(mu);
    return reason != FinishReason::kNone;
  }
  // Blocks until the request finished or timeout_ms passed (< 0: no limit); true when done.
  bool wait(double timeout_ms);
  // Pull mode: the next piece of text into *piece (true), or false once the request finished
  // and every piece was taken, or when timeout_ms passed (< 0: no limit; *timed_out says so).
  bool next_piece(std::string* piece, double timeout_ms, bool* timed_out);
};

}  // namespace hearth::engine

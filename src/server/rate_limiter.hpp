// Per-key rate limits: requests per minute and tokens per minute as token buckets (capacity one
// minute's worth, refilled continuously), plus a cap on requests in flight. A request is
// admitted before any work is done, so a rejected one costs nothing downstream; its tokens are
// charged when it ends (the bucket may go negative, delaying the key's next request).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace hearth::server {

struct Limits {
  int rpm = 0;           // 0: unlimited
  int64_t tpm = 0;       // 0: unlimited
  int max_parallel = 0;  // 0: unlimited
};

struct Admission {
  bool ok = true;
  std::string reason;                          // "requests", "tokens", "parallel"
  double retry_after_s = 0;                    // when !ok
  std::map<std::string, std::string> headers;  // x-ratelimit-*
};

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  // Takes one request from the key's bucket and a parallel slot (release() gives it back).
  Admission admit(const std::string& key_id, const Limits& limits);
  void release(const std::string& key_id);
  void charge_tokens(const std::string& key_id, const Limits& limits, int64_t tokens);

 private:
  struct Bucket {
    double level = -1;  // < 0: not initialised (full)
    Clock::time_point last;
    void refill(double per_minute, Clock::time_point now);
  };
  struct State {
    Bucket requests, tokens;
    int in_flight = 0;
  };
  std::mutex mu_;
  std::map<std::string, State> keys_;
};

}  // namespace hearth::server

#include "server/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace hearth::server {

void RateLimiter::Bucket::refill(double per_minute, Clock::time_point now) {
  if (level < 0) {
    level = per_minute;
  } else {
    const double s = std::chrono::duration<double>(now - last).count();
    level = std::min(per_minute, level + s * per_minute / 60.0);
  }
  last = now;
}

Admission RateLimiter::admit(const std::string& key_id, const Limits& limits) {
  Admission a;
  const auto now = Clock::now();
  std::lock_guard<std::mutex> lock(mu_);
  State& st = keys_[key_id];
  if (limits.rpm > 0) {
    st.requests.refill(limits.rpm, now);
    const double reset = (limits.rpm - st.requests.level) * 60.0 / limits.rpm;
    a.headers["x-ratelimit-limit-requests"] = std::to_string(limits.rpm);
    a.headers["x-ratelimit-remaining-requests"] =
        std::to_string(std::max(0, static_cast<int>(st.requests.level) - 1));
    a.headers["x-ratelimit-reset-requests"] = std::to_string(std::ceil(reset * 1000) / 1000) + "s";
  }
  if (limits.tpm > 0) {
    st.tokens.refill(static_cast<double>(limits.tpm), now);
    a.headers["x-ratelimit-limit-tokens"] = std::to_string(limits.tpm);
    a.headers["x-ratelimit-remaining-tokens"] =
        std::to_string(std::max<int64_t>(0, static_cast<int64_t>(st.tokens.level)));
  }
  if (limits.rpm > 0 && st.requests.level < 1) {
    a.ok = false;
    a.reason = "requests";
    a.retry_after_s = (1 - st.requests.level) * 60.0 / limits.rpm;
  } else if (limits.tpm > 0 && st.tokens.level < 1) {
    a.ok = false;
    a.reason = "tokens";
    a.retry_after_s = (1 - st.tokens.level) * 60.0 / static_cast<double>(limits.tpm);
  } else if (limits.max_parallel > 0 && st.in_flight >= limits.max_parallel) {
    a.ok = false;
    a.reason = "parallel";
    a.retry_after_s = 1;
  }
  if (!a.ok) return a;
  if (limits.rpm > 0) st.requests.level -= 1;
  ++st.in_flight;
  return a;
}

void RateLimiter::release(const std::string& key_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = keys_.find(key_id);
  if (it != keys_.end() && it->second.in_flight > 0) --it->second.in_flight;
}

void RateLimiter::charge_tokens(const std::string& key_id, const Limits& limits, int64_t tokens) {
  if (limits.tpm <= 0 || tokens <= 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  Bucket& b = keys_[key_id].tokens;
  b.refill(static_cast<double>(limits.tpm), Clock::now());
  b.level -= static_cast<double>(tokens);
}

}  // namespace hearth::server

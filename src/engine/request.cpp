#include "engine/request.hpp"

namespace hearth::engine {

bool Request::wait(double timeout_ms) {
  std::unique_lock<std::mutex> lock(mu);
  auto finished = [&] { return reason != FinishReason::kNone; };
  if (timeout_ms < 0) {
    cv.wait(lock, finished);
    return true;
  }
  return cv.wait_for(lock, std::chrono::duration<double, std::milli>(timeout_ms), finished);
}

bool Request::next_piece(std::string* piece, double timeout_ms, bool* timed_out) {
  std::unique_lock<std::mutex> lock(mu);
  auto ready = [&] { return !pieces.empty() || reason != FinishReason::kNone; };
  bool ok = true;
  if (timeout_ms < 0)
    cv.wait(lock, ready);
  else
    ok = cv.wait_for(lock, std::chrono::duration<double, std::milli>(timeout_ms), ready);
  if (timed_out) *timed_out = !ok;
  if (!ok || pieces.empty()) return false;
  *piece = std::move(pieces.front());
  pieces.pop_front();
  return true;
}

}  // namespace hearth::engine

#include "sampler/stop_string_stream.hpp"

#include <algorithm>

#include "sampler/utf8.hpp"

namespace hearth {

StopStringStream::StopStringStream(std::vector<std::string> stops) {
  for (auto& s : stops)
    if (!s.empty()) stops_.push_back(std::move(s));
}

StopStringStream::Step StopStringStream::push(const std::string& piece) {
  pending_ += piece;
  Step step;
  // The earliest occurrence of any stop string wins (not the first string in the list).
  size_t stop_at = std::string::npos;
  for (const auto& s : stops_) stop_at = std::min(stop_at, pending_.find(s));
  if (stop_at != std::string::npos) {
    step.stopped = true;
    step.text = pending_.substr(0, stop_at);
    step.text.resize(complete_utf8_prefix(step.text));
    pending_.clear();
    return step;
  }
  // Hold back the longest tail that is a proper prefix of some stop string.
  size_t keep_from = complete_utf8_prefix(pending_);
  for (const auto& s : stops_)
    for (size_t len = std::min(s.size() - 1, pending_.size()); len > 0; --len)
      if (pending_.compare(pending_.size() - len, len, s, 0, len) == 0) {
        keep_from = std::min(keep_from, pending_.size() - len);
        break;
      }
  step.text = pending_.substr(0, keep_from);
  step.text.resize(complete_utf8_prefix(step.text));  // a stop string may start mid-character
  keep_from = step.text.size();
  pending_.erase(0, keep_from);
  return step;
}

std::string StopStringStream::finish() {
  std::string out;
  out.swap(pending_);
  const size_t complete = complete_utf8_prefix(out);
  if (complete < out.size()) {
    out.resize(complete);
    out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
  }
  return out;
}

}  // namespace hearth

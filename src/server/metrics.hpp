// Prometheus metrics (text exposition format 0.0.4), rendered on GET /metrics. Counters and
// histograms are kept here; engine gauges (queue, running, KV blocks) are read at render time.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace hearth::server {

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  void render(std::string& out, const std::string& name, const std::string& help) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bound, plus +Inf
  double sum_ = 0;
  uint64_t n_ = 0;
};

struct EngineGauges {
  int waiting = 0, running = 0, blocks_total = 0, blocks_used = 0, blocks_cached = 0;
  int http_in_flight = 0;
};

class Metrics {
 public:
  Metrics();
  void count_request(const std::string& endpoint, int status);
  void count_rejection(const std::string& reason);
  void add_tokens(int64_t prompt, int64_t cached, int64_t generated);
  // A generation cancelled because its client went away (or read too slowly to keep up).
  void count_cancellation();
  // A request ("input") or reply ("output") the content filter blocked.
  void count_content_filter(const std::string& direction);
  void observe_ttft(double seconds);
  void observe_inter_token(double seconds);
  std::string render(const EngineGauges& g) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, uint64_t> rejections_;
  uint64_t prompt_ = 0, cached_ = 0, generated_ = 0;
  uint64_t cancelled_ = 0;
  std::map<std::string, uint64_t> filtered_;  // by direction
  Histogram ttft_, itl_;
};

}  // namespace hearth::server

#include "server/metrics.hpp"

#include <fmt/format.h>

namespace hearth::server {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += v;
  ++n_;
}

void Histogram::render(std::string& out, const std::string& name, const std::string& help) const {
  out += fmt::format("# HELP {} {}\n# TYPE {} histogram\n", name, help, name);
  uint64_t cum = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cum += counts_[i];
    out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, bounds_[i], cum);
  }
  cum += counts_.back();
  out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n{}_sum {}\n{}_count {}\n", name, cum, name, sum_,
                     name, n_);
}

Metrics::Metrics()
    : ttft_({0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}),
      itl_({0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1}) {}

void Metrics::count_request(const std::string& endpoint, int status) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{endpoint, status}];
}

void Metrics::count_rejection(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  ++rejections_[reason];
}

void Metrics::add_tokens(int64_t prompt, int64_t cached, int64_t generated) {
  std::lock_guard<std::mutex> lock(mu_);
  prompt_ += prompt;
  cached_ += cached;
  generated_ += generated;
}

void Metrics::count_cancellation() {
  std::lock_guard<std::mutex> lock(mu_);
  ++cancelled_;
}

void Metrics::count_content_filter(const std::string& direction) {
  std::lock_guard<std::mutex> lock(mu_);
  ++filtered_[direction];
}

void Metrics::observe_ttft(double s) {
  std::lock_guard<std::mutex> lock(mu_);
  ttft_.observe(s);
}

void Metrics::observe_inter_token(double s) {
  std::lock_guard<std::mutex> lock(mu_);
  itl_.observe(s);
}

std::string Metrics::render(const EngineGauges& g) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string o;
  o += "# HELP hearth_http_requests_total HTTP requests by endpoint and status.\n"
       "# TYPE hearth_http_requests_total counter\n";
  for (const auto& [k, v] : requests_)
    o += fmt::format("hearth_http_requests_total{{endpoint=\"{}\",status=\"{}\"}} {}\n", k.first,
                     k.second, v);
  o += "# HELP hearth_rejections_total Requests refused before reaching the engine, by reason.\n"
       "# TYPE hearth_rejections_total counter\n";
  for (const auto& [k, v] : rejections_)
    o += fmt::format("hearth_rejections_total{{reason=\"{}\"}} {}\n", k, v);
  auto counter = [&](const char* name, const char* help, uint64_t v) {
    o += fmt::format("# HELP {} {}\n# TYPE {} counter\n{} {}\n", name, help, name, name, v);
  };
  auto gauge = [&](const char* name, const char* help, int64_t v) {
    o += fmt::format("# HELP {} {}\n# TYPE {} gauge\n{} {}\n", name, help, name, name, v);
  };
  counter("hearth_prompt_tokens_total", "Prompt tokens of finished requests.", prompt_);
  counter("hearth_cached_prompt_tokens_total", "Prompt tokens served from the prefix cache.",
          cached_);
  counter("hearth_generated_tokens_total", "Generated tokens.", generated_);
  counter("hearth_cancelled_generations_total",
          "Generations cancelled because the client disconnected or read too slowly.", cancelled_);
  o += "# HELP hearth_content_filter_total Requests (input) and replies (output) the content "
       "filter blocked.\n# TYPE hearth_content_filter_total counter\n";
  for (const auto& [k, v] : filtered_)
    o += fmt::format("hearth_content_filter_total{{direction=\"{}\"}} {}\n", k, v);
  ttft_.render(o, "hearth_time_to_first_token_seconds", "Submit to first sampled token.");
  itl_.render(o, "hearth_inter_token_seconds", "Time between streamed tokens.");
  gauge("hearth_queue_depth", "Requests waiting for admission in the engine.", g.waiting);
  gauge("hearth_running_sequences", "Sequences decoding or prefilling.", g.running);
  gauge("hearth_kv_blocks_total", "KV pool size in blocks.", g.blocks_total);
  gauge("hearth_kv_blocks_used", "KV blocks referenced by sequences.", g.blocks_used);
  gauge("hearth_kv_blocks_cached", "Unreferenced KV blocks kept for prefix reuse.",
        g.blocks_cached);
  gauge("hearth_http_generations_in_flight", "Generation requests being served.", g.http_in_flight);
  return o;
}

}  // namespace hearth::server

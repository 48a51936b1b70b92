#include "server/pipeline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>

#include "safety/redact.hpp"
#include "server/api_error.hpp"
#include "server/request_params.hpp"

namespace hearth::server {

namespace {
std::string bearer_key(const httplib::Request& req) {
  std::string h = req.get_header_value("Authorization");
  const std::string prefix = "Bearer ";
  if (h.size() > prefix.size() && std::equal(prefix.begin(), prefix.end(), h.begin(),
                                             [](char a, char b) { return a == std::tolower(b); }))
    return h.substr(prefix.size());
  if (h.compare(0, prefix.size(), prefix) == 0) return h.substr(prefix.size());
  return req.get_header_value("x-api-key");
}

std::string iso_time() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, static_cast<int>(ms));
}
}  // namespace

void Pipeline::send_error(httplib::Response& res, int status, const std::string& message,
                          const std::string& param, const std::string& code) {
  res.status = status;
  res.set_content(dump_json(error_body(status, message, param, code)), "application/json");
}

std::string Pipeline::client_address(const httplib::Request& req) const {
  const auto& trusted = state_.config.trusted_proxies;
  if (std::find(trusted.begin(), trusted.end(), req.remote_addr) != trusted.end()) {
    // The proxy appends the address it saw: the last entry is the one it vouches for.
    std::string xff = req.get_header_value("X-Forwarded-For");
    if (!xff.empty()) {
      const size_t comma = xff.rfind(',');
      std::string last = comma == std::string::npos ? xff : xff.substr(comma + 1);
      last.erase(0, last.find_first_not_of(' '));
      if (!last.empty() && last.size() < 64) return last;
    }
  }
  return req.remote_addr;
}

void Pipeline::add(httplib::Server& http, Route route) {
  auto r = std::make_shared<Route>(std::move(route));
  auto fn = [this, r](const httplib::Request& req, httplib::Response& res) {
    handle(*r, req, res);
  };
  if (r->method == "GET")
    http.Get(r->path, fn);
  else
    http.Post(r->path, fn);
}

void Pipeline::handle(const Route& route, const httplib::Request& req, httplib::Response& res) {
  auto call = std::make_shared<Call>();
  call->id = fmt::format("req-{:x}-{}", state_.created_unix, state_.next_id.fetch_add(1));
  call->endpoint = route.path;
  call->method = req.method;
  call->client = client_address(req);
  call->start = engine::Clock::now();
  res.set_header("x-request-id", call->id);
  bool counted_generation = false;
  try {
    if (route.auth && state_.keys) {
      const std::string key = bearer_key(req);
      if (key.empty())
        throw ApiError(401, "no API key: send 'Authorization: Bearer KEY'", "", "missing_api_key");
      call->key = state_.keys->authenticate(key);
      if (!call->key) throw ApiError(401, "the API key is unknown or revoked");
      if (call->key->role < route.role)
        throw ApiError(403, std::string("role '") + role_name(call->key->role) + "' may not use " +
                                route.path + " (needs " + role_name(route.role) + ")");
      const int rpm = call->key->rpm >= 0 ? call->key->rpm : state_.config.default_rpm;
      call->limits = {rpm, call->key->tpm, call->key->max_parallel};
      Admission a = state_.limiter.admit(call->key->id, call->limits);
      for (const auto& [k, v] : a.headers) res.set_header(k.c_str(), v);
      if (!a.ok) {
        call->rate_limited = true;
        state_.metrics.count_rejection("rate_limit_" + a.reason);
        ApiError e(429, "rate limit reached for key '" + call->key->id + "' (" + a.reason +
                            "); retry after " +
                            std::to_string(static_cast<int>(std::ceil(a.retry_after_s))) + " s");
        e.headers["Retry-After"] =
            std::to_string(std::max(1, static_cast<int>(std::ceil(a.retry_after_s))));
        throw e;
      }
      call->holds_slot = true;
    }
    if (route.generates) {
      if (!state_.ready) {
        state_.metrics.count_rejection("loading");
        ApiError e(503, "the model is still loading", "", "model_loading");
        e.headers["Retry-After"] = "5";
        throw e;
      }
      if (state_.draining) {
        state_.metrics.count_rejection("draining");
        ApiError e(503, "the server is shutting down", "", "shutting_down");
        e.headers["Retry-After"] = "5";
        throw e;
      }
      const int limit = state_.config.parallel + state_.config.max_queue;
      if (state_.generations.fetch_add(1) >= limit) {
        state_.generations.fetch_sub(1);
        state_.metrics.count_rejection("queue_full");
        ApiError e(503, "the server's queue is full (" + std::to_string(limit) + " requests)", "",
                   "queue_full");
        e.headers["Retry-After"] = "1";
        throw e;
      }
      counted_generation = true;
    }
    if (route.json_body) call->body = parse_json_body(req.body);
    route.handler(call, req, res);
    call->status = res.status;
  } catch (const ApiError& e) {
    for (const auto& [k, v] : e.headers) res.set_header(k.c_str(), v);
    send_error(res, e.status, e.what(), e.param, e.code);
    call->status = e.status;
    call->deferred = false;
  } catch (const std::exception& e) {
    send_error(res, 500, std::string("internal error: ") + e.what());
    call->status = 500;
    call->deferred = false;
  }
  call->counts_generation = counted_generation;
  if (!call->deferred) finish(call);
}

void Pipeline::finish(const CallPtr& call) {
  if (call->finished.exchange(true)) return;
  if (call->counts_generation) state_.generations.fetch_sub(1);
  const double ms =
      std::chrono::duration<double, std::milli>(engine::Clock::now() - call->start).count();
  state_.metrics.count_request(call->endpoint, call->status);
  if (call->disconnected) state_.metrics.count_cancellation();
  if (call->key && call->holds_slot) {
    state_.limiter.release(call->key->id);
    state_.limiter.charge_tokens(call->key->id, call->limits,
                                 call->prompt_tokens + call->completion_tokens);
  }
  if (!state_.audit) return;
  nlohmann::json a;
  a["time"] = iso_time();
  a["request_id"] = call->id;
  a["key_id"] = call->key ? nlohmann::json(call->key->id) : nlohmann::json(nullptr);
  a["role"] = call->key ? nlohmann::json(role_name(call->key->role)) : nlohmann::json(nullptr);
  a["client"] = call->client;
  a["method"] = call->method;
  a["path"] = call->endpoint;
  a["status"] = call->status;
  a["model"] = call->model;
  a["prompt_tokens"] = call->prompt_tokens;
  a["cached_tokens"] = call->cached_tokens;
  a["completion_tokens"] = call->completion_tokens;
  a["finish_reason"] = call->finish_reason;
  if (!call->filter_category.empty()) a["content_filter"] = call->filter_category;
  a["first_token_ms"] = std::round(call->first_token_ms * 1000) / 1000;
  a["duration_ms"] = std::round(ms * 1000) / 1000;
  a["client_disconnected"] = call->disconnected;
  a["rate_limited"] = call->rate_limited;
  if (state_.config.audit_content) {
    const bool mask = state_.config.audit_redact;
    a["prompt"] = mask ? safety::redact(call->content_in) : call->content_in;
    a["reply"] = mask ? safety::redact(call->content_out) : call->content_out;
  }
  state_.audit->append(std::move(a));
}

}  // namespace hearth::server

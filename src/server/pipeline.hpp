// The request pipeline every endpoint goes through, in order:
//   parse (size limit, httplib) -> auth (key, role) -> rate limit -> JSON body -> handler
//   -> finish (metrics, rate-limit release and token charge, audit line)
// An endpoint is a Route; later features (embeddings, tools, grammars) add Routes and fill the
// Call's fields, nothing else. A streaming handler sets `deferred` and calls finish() itself when
// its stream ends (the content provider's releaser).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "server/keys.hpp"
#include "server/rate_limiter.hpp"
#include "server/state.hpp"

namespace hearth::server {

// One request's journey through the pipeline; what the audit line and the metrics record.
struct Call {
  std::string id;        // "req-<hex>", also the response's x-request-id
  std::string endpoint;  // the route's path
  std::string method, client;
  engine::Clock::time_point start;
  std::optional<KeyEntry> key;  // none without --keys
  Limits limits;
  bool holds_slot = false;         // admitted by the rate limiter (release at finish)
  bool counts_generation = false;  // holds a place in the queue limit (release at finish)
  nlohmann::json body;             // when the route takes JSON
  int status = 200;
  std::string model, finish_reason;
  std::string filter_category;  // the content filter's category when it blocked (never the text)
  int prompt_tokens = 0, cached_tokens = 0, completion_tokens = 0;
  double first_token_ms = 0;
  bool disconnected = false, rate_limited = false;
  std::string content_in, content_out;  // only with --audit-content
  bool deferred = false;
  std::atomic<bool> finished{false};
};
using CallPtr = std::shared_ptr<Call>;

using Handler = std::function<void(const CallPtr&, const httplib::Request&, httplib::Response&)>;

struct Route {
  std::string method;  // "GET" or "POST"
  std::string path;
  bool auth = true;           // false: open to all (health)
  Role role = Role::kReader;  // least role allowed
  bool json_body = false;
  bool generates = false;  // counts against the queue limit
  Handler handler;
};

class Pipeline {
 public:
  explicit Pipeline(ServerState& state) : state_(state) {}
  void add(httplib::Server& http, Route route);
  void finish(const CallPtr& call);
  // An error response in OpenAI's envelope.
  static void send_error(httplib::Response& res, int status, const std::string& message,
                         const std::string& param = {}, const std::string& code = {});

 private:
  void handle(const Route& route, const httplib::Request& req, httplib::Response& res);
  std::string client_address(const httplib::Request& req) const;
  ServerState& state_;
};

}  // namespace hearth::server

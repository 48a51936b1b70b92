#include <cmath>
#include <limits>

#include "hearth/tokenizer.hpp"
#include "server/api_error.hpp"
#include "server/handlers.hpp"

namespace hearth::server {

using nlohmann::json;

void check_model(const ServerState& state, const std::string& requested) {
  if (!requested.empty() && requested != state.model_id)
    throw ApiError(
        404,
        "the model '" + requested + "' does not exist (this server has '" + state.model_id + "')",
        "model", "model_not_found");
}

namespace {
const Tokenizer& tokenizer(const ServerState& st) {
  if (!st.ready) {
    ApiError e(503, "the model is still loading", "", "model_loading");
    e.headers["Retry-After"] = "5";
    throw e;
  }
  if (!st.model->tokenizer()) throw ApiError(400, "the model has no tokenizer");
  return *st.model->tokenizer();
}
}  // namespace

void add_info_routes(Pipeline& pl, httplib::Server& http, ServerState& st) {
  pl.add(http, {"GET", "/health", false, Role::kReader, false, false,
                [&st](const CallPtr&, const httplib::Request&, httplib::Response& res) {
                  // A load balancer's health check: not ready (loading, draining) is 503.
                  const char* s = st.draining ? "draining" : st.ready ? "ok" : "loading";
                  res.status = st.ready && !st.draining ? 200 : 503;
                  res.set_content(json{{"status", s}}.dump(), "application/json");
                }});
  pl.add(http, {"GET", "/metrics", true, Role::kAdmin, false, false,
                [&st](const CallPtr&, const httplib::Request&, httplib::Response& res) {
                  EngineGauges g;
                  if (st.ready) {
                    const auto s = st.engine->stats();
                    g = {s.waiting, s.running, s.blocks_total, s.blocks_used, s.blocks_cached, 0};
                  }
                  g.http_in_flight = st.generations.load();
                  res.set_content(st.metrics.render(g), "text/plain; version=0.0.4");
                }});
  pl.add(http, {"GET", "/v1/models", true, Role::kReader, false, false,
                [&st](const CallPtr&, const httplib::Request&, httplib::Response& res) {
                  json m = {{"id", st.model_id},
                            {"object", "model"},
                            {"created", st.created_unix},
                            {"owned_by", "hearth"}};
                  json data = json::array({m});
                  // --embed-model: listed too, so a client can find the id to send to
                  // /v1/embeddings or /v1/rerank ("type" is hearth's: OpenAI has no such field).
                  if (st.embed_ready && st.embedder) {
                    const bool rerank = st.embedder->pooling() == embed::Pooling::kRank;
                    data.push_back({{"id", st.embed_model_id},
                                    {"object", "model"},
                                    {"created", st.created_unix},
                                    {"owned_by", "hearth"},
                                    {"type", rerank ? "reranking" : "embedding"}});
                  }
                  res.set_content(dump_json({{"object", "list"}, {"data", std::move(data)}}),
                                  "application/json");
                }});
  pl.add(http, {"POST", "/tokenize", true, Role::kReader, true, false,
                [&st](const CallPtr& call, const httplib::Request&, httplib::Response& res) {
                  const json& b = call->body;
                  if (b.contains("model") && b["model"].is_string()) check_model(st, b["model"]);
                  if (!b.contains("content") || !b["content"].is_string())
                    throw ApiError(400, "'content' must be a string", "content");
                  bool add_special = true, parse_special = false;
                  if (b.contains("add_special")) {
                    if (!b["add_special"].is_boolean())
                      throw ApiError(400, "'add_special' must be a boolean", "add_special");
                    add_special = b["add_special"];
                  }
                  if (b.contains("parse_special")) {
                    if (!b["parse_special"].is_boolean())
                      throw ApiError(400, "'parse_special' must be a boolean", "parse_special");
                    parse_special = b["parse_special"];
                  }
                  const auto ids = tokenizer(st).encode(b["content"].get<std::string>(),
                                                        add_special, parse_special);
                  res.set_content(dump_json({{"tokens", ids}}), "application/json");
                }});
  pl.add(http, {"POST", "/detokenize", true, Role::kReader, true, false,
                [&st](const CallPtr& call, const httplib::Request&, httplib::Response& res) {
                  const json& b = call->body;
                  if (!b.contains("tokens") || !b["tokens"].is_array())
                    throw ApiError(400, "'tokens' must be an array of token ids", "tokens");
                  const Tokenizer& tok = tokenizer(st);
                  std::vector<int32_t> ids;
                  for (const auto& t : b["tokens"]) {
                    if (!t.is_number_integer() || t.get<int64_t>() < 0 ||
                        t.get<int64_t>() >= tok.n_vocab())
                      throw ApiError(
                          400, "'tokens' must hold ids in 0.." + std::to_string(tok.n_vocab() - 1),
                          "tokens");
                    ids.push_back(static_cast<int32_t>(t.get<int64_t>()));
                  }
                  res.set_content(dump_json({{"content", tok.decode(ids)}}), "application/json");
                }});
}

}  // namespace hearth::server

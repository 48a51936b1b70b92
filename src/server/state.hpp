// What the server's parts share: settings, the model and engine (once loaded), keys, limiter,
// metrics, the audit log, and the lifecycle flags.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "embed/embedder.hpp"
#include "engine/engine.hpp"
#include "hearth/model.hpp"
#include "safety/filter.hpp"
#include "safety/guard_model.hpp"
#include "server/audit_log.hpp"
#include "server/keys.hpp"
#include "server/metrics.hpp"
#include "server/rate_limiter.hpp"
#include "server/server_config.hpp"

namespace hearth::server {

class KbRetrieval;  // kb_retrieval.hpp

struct ServerState {
  ServerConfig config;
  std::string model_id;
  std::string chat_template;  // the model's (empty: ChatML)
  std::shared_ptr<const Model> model;
  std::unique_ptr<engine::Engine> engine;
  std::unique_ptr<KeyStore> keys;  // null without --keys
  std::unique_ptr<AuditLog> audit;
  std::shared_ptr<const safety::ContentFilter> filter;  // null: --safety-level off
  // --guard-model: its own model and engine (declared after `engine`: destroyed first).
  std::shared_ptr<const Model> guard_weights;
  std::unique_ptr<engine::Engine> guard_engine;
  std::unique_ptr<safety::GuardModel> guard;
  // --embed-model / --embedding (handlers_embed.cpp); null until loaded.
  std::shared_ptr<const embed::Embedder> embedder;  // read only once embed_ready is true
  std::string embed_model_id;
  std::atomic<bool> embed_ready{false};
  std::shared_ptr<KbRetrieval> kb;  // --kb (kb_retrieval.hpp); null without, set before ready
  RateLimiter limiter;
  Metrics metrics;
  std::atomic<bool> ready{false};     // model and engine loaded
  std::atomic<bool> draining{false};  // SIGTERM: no new generations
  std::atomic<int> generations{0};    // generation requests being served
  std::atomic<uint64_t> next_id{1};
  int64_t created_unix = 0;
};

}  // namespace hearth::server

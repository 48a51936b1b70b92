// Every setting of `hearth serve`. Flags and the JSON config file (--config F.json) name the same
// settings: "--audit-log F" is {"audit_log": "F"} (dashes become underscores).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hearth::server {

struct ServerConfig {
  std::string model;  // -m
  std::string alias;  // the id /v1/models reports; default: the file name
  std::string host = "127.0.0.1";
  int port = 8080;
  int parallel = 8;      // sequences the engine runs at once
  int ctx = 2048;        // tokens per sequence
  int threads = 0;       // compute threads; 0: one per core
  int kv_blocks = 0;     // engine pool size; 0: parallel sequences of ctx
  int max_queue = 64;    // generation requests waiting beyond `parallel`; then 503
  int http_threads = 0;  // 0: parallel + max_queue + 32 (see docs/server.md)
  std::string keys;      // key file; "" = no authentication (loopback only)
  std::string audit_log;
  bool audit_content = false;                // prompt and reply text in the audit log
  bool audit_redact = false;                 // ... with e-mails, phone and card numbers masked
  std::vector<std::string> trusted_proxies;  // addresses whose X-Forwarded-For is believed
  size_t max_body_bytes = 8u << 20;
  int read_timeout_s = 30;                // slow-header / slow-body clients
  int write_timeout_s = 30;               // a reader that stops reading
  int drain_timeout_s = 30;               // SIGTERM: how long running requests may finish
  int default_rpm = 100;                  // for keys whose entry has no rpm
  size_t stream_buffer_bytes = 1u << 20;  // unsent text per request before it is cancelled
  bool webui = true;                      // the chat page at / (docs/webui.md); --no-webui
  std::string safety_level = "off";       // content filter: off / standard / strict
  std::string safety_rules;               // its rule file (docs/security.md)
  std::string guard_model;                // a guard classifier model (Llama Guard format)
  std::string embed_model;                // --embed-model: served by /v1/embeddings and /v1/rerank
  bool embedding_only = false;  // --embedding / --reranking: -m is that model; nothing generates
  std::string pooling;          // --pooling for the embedding model ("": the file's)
  std::string kb;               // --kb: ground chat turns in this knowledge base (kb_retrieval.hpp)
  int kb_k = 4;                 // --kb-k: passages per turn
};

// Applies one flag (without the leading dashes' form check); returns false for unknown flags,
// throws std::invalid_argument for bad values. `value` is ignored for boolean flags.
bool apply_flag(ServerConfig& c, const std::string& flag, const std::string& value,
                bool* used_value);
// Applies a config file's object; throws std::invalid_argument naming an unknown or bad key.
void apply_json(ServerConfig& c, const nlohmann::json& j);
const char* config_help();

}  // namespace hearth::server

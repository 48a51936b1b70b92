#include "server/server_config.hpp"

#include <stdexcept>

namespace hearth::server {

namespace {
int to_int(const std::string& name, const std::string& v) {
  size_t used = 0;
  int x = 0;
  try {
    x = std::stoi(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || v.empty())
    throw std::invalid_argument(name + ": '" + v + "' is not an integer");
  return x;
}

// name (underscore form) -> setter from a string
bool set(ServerConfig& c, const std::string& n, const std::string& v) {
  if (n == "model" || n == "m")
    c.model = v;
  else if (n == "alias")
    c.alias = v;
  else if (n == "host")
    c.host = v;
  else if (n == "port")
    c.port = to_int(n, v);
  else if (n == "parallel")
    c.parallel = to_int(n, v);
  else if (n == "ctx" || n == "c")
    c.ctx = to_int(n, v);
  else if (n == "threads" || n == "t")
    c.threads = to_int(n, v);
  else if (n == "kv_blocks")
    c.kv_blocks = to_int(n, v);
  else if (n == "max_queue")
    c.max_queue = to_int(n, v);
  else if (n == "http_threads")
    c.http_threads = to_int(n, v);
  else if (n == "keys")
    c.keys = v;
  else if (n == "audit_log")
    c.audit_log = v;
  else if (n == "trusted_proxy")
    c.trusted_proxies.push_back(v);
  else if (n == "max_body_bytes")
    c.max_body_bytes = static_cast<size_t>(to_int(n, v));
  else if (n == "read_timeout")
    c.read_timeout_s = to_int(n, v);
  else if (n == "write_timeout")
    c.write_timeout_s = to_int(n, v);
  else if (n == "drain_timeout")
    c.drain_timeout_s = to_int(n, v);
  else if (n == "default_rpm")
    c.default_rpm = to_int(n, v);
  else if (n == "safety_level")
    c.safety_level = v;
  else if (n == "safety_rules")
    c.safety_rules = v;
  else if (n == "guard_model")
    c.guard_model = v;
  else if (n == "embed_model")
    c.embed_model = v;
  else if (n == "pooling")
    c.pooling = v;
  else if (n == "kb")
    c.kb = v;
  else if (n == "kb_k") {
    c.kb_k = to_int(n, v);
    if (c.kb_k < 1 || c.kb_k > 64) throw std::invalid_argument("kb_k: must be 1 to 64");
  } else
    return false;
  return true;
}

std::string underscore(std::string s) {
  for (char& ch : s)
    if (ch == '-') ch = '_';
  return s;
}
}  // namespace

bool apply_flag(ServerConfig& c, const std::string& flag, const std::string& value,
                bool* used_value) {
  *used_value = false;
  std::string n = flag;
  while (!n.empty() && n[0] == '-') n.erase(0, 1);
  n = underscore(n);
  if (n == "audit_content") {
    c.audit_content = true;
    return true;
  }
  if (n == "audit_redact") {
    c.audit_redact = true;
    return true;
  }
  if (n == "no_webui") {
    c.webui = false;
    return true;
  }
  if (n == "embedding" || n == "embeddings" || n == "reranking") {  // llama-server's flags
    c.embedding_only = true;
    return true;
  }
  *used_value = true;
  return set(c, n, value);
}

void apply_json(ServerConfig& c, const nlohmann::json& j) {
  if (!j.is_object()) throw std::invalid_argument("the config file must hold a JSON object");
  for (const auto& [k, v] : j.items()) {
    const std::string n = underscore(k);
    if (n == "audit_content") {
      if (!v.is_boolean()) throw std::invalid_argument("config: audit_content must be a boolean");
      c.audit_content = v.get<bool>();
    } else if (n == "audit_redact") {
      if (!v.is_boolean()) throw std::invalid_argument("config: audit_redact must be a boolean");
      c.audit_redact = v.get<bool>();
    } else if (n == "webui") {
      if (!v.is_boolean()) throw std::invalid_argument("config: webui must be a boolean");
      c.webui = v.get<bool>();
    } else if (n == "embedding" || n == "embeddings" || n == "reranking") {
      if (!v.is_boolean()) throw std::invalid_argument("config: " + k + " must be a boolean");
      c.embedding_only = v.get<bool>();
    } else if (n == "trusted_proxies" || n == "trusted_proxy") {
      for (const auto& x : v.is_array() ? v : nlohmann::json::array({v}))
        c.trusted_proxies.push_back(x.get<std::string>());
    } else if (v.is_string()) {
      if (!set(c, n, v.get<std::string>()))
        throw std::invalid_argument("config: unknown setting '" + k + "'");
    } else if (v.is_number_integer()) {
      if (!set(c, n, std::to_string(v.get<int64_t>())))
        throw std::invalid_argument("config: unknown setting '" + k + "'");
    } else {
      throw std::invalid_argument("config: bad value for '" + k + "'");
    }
  }
}

const char* config_help() {
  return "usage: hearth serve -m MODEL.gguf [options]   (an OpenAI-compatible HTTP server)\n"
         "  --alias NAME          model id reported and accepted (default: the file name)\n"
         "  --host H              address to bind (default 127.0.0.1; others need --keys)\n"
         "  --port P              (default 8080; 0 picks a free port, printed on stderr)\n"
         "  --parallel S          sequences decoded at once (default 8)\n"
         "  --ctx C, -c C         tokens per sequence (default 2048)\n"
         "  -t N, --threads N     compute threads (default: one per core)\n"
         "  --max-queue N         requests waiting beyond --parallel before 503 (default 64)\n"
         "  --http-threads N      HTTP worker threads (default parallel + max-queue + 32)\n"
         "  --keys FILE           API keys (hearth keys add ...); re-read on SIGHUP\n"
         "  --audit-log FILE      JSON-lines audit log with a hash chain; reopened on SIGHUP\n"
         "  --audit-content       also log prompt and reply text\n"
         "  --audit-redact        ... with e-mail addresses, phone and card numbers masked\n"
         "  --trusted-proxy ADDR  believe X-Forwarded-For from ADDR (repeatable)\n"
         "  --max-body-bytes N    request body limit (default 8 MiB; larger: 413)\n"
         "  --read-timeout S, --write-timeout S   socket timeouts (default 30)\n"
         "  --drain-timeout S     SIGTERM: time running requests get to finish (default 30)\n"
         "  --default-rpm N       requests per minute for keys without their own (default 100)\n"
         "  --safety-level L      content filter: off (default), standard or strict\n"
         "  --safety-rules FILE   the filter's rule set (docs/security.md; needed unless off)\n"
         "  --guard-model G.gguf  also judge each chat request with a guard model (Llama Guard\n"
         "                        answer format; fails closed on unreadable answers)\n"
         "  --no-webui            no chat page at / (docs/webui.md)\n"
         "  --embed-model E.gguf  also serve E on /v1/embeddings and /v1/rerank (docs/server.md)\n"
         "  --embedding, --reranking   -m is an embedding or reranking model: only\n"
         "                        /v1/embeddings and /v1/rerank (llama-server's flags)\n"
         "  --pooling P           the embedding model's pooling: mean, cls, last, rank\n"
         "  --kb KB               answer chat turns from this knowledge base (hearth kb add),\n"
         "                        with \"sources\" in each response (docs/server.md)\n"
         "  --kb-k N              passages per chat turn (default 4)\n"
         "  --config F.json       the same settings as a JSON object (flags after it win)\n";
}

}  // namespace hearth::server

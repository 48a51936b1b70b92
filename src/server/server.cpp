#include "server/server.hpp"

#include <signal.h>

#include <cerrno>
#include <cstdlib>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <thread>

#include "hearth/gguf.hpp"
#include "server/api_error.hpp"
#include "server/handlers.hpp"
#include "server/kb_retrieval.hpp"
#include "server/listen_backlog.hpp"
#include "server/pipeline.hpp"
#include "server/webui/webui.hpp"

namespace hearth::server {

bool is_loopback_host(const std::string& host) {
  return host == "127.0.0.1" || host == "::1" || host == "localhost" ||
         host.compare(0, 4, "127.") == 0;
}

namespace {

std::string file_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// --safety-level / --safety-rules: null when off (docs/security.md).
std::shared_ptr<const safety::ContentFilter> make_content_filter(const ServerConfig& c) {
  const safety::Level level = safety::parse_level(c.safety_level);
  if (level == safety::Level::kOff) return nullptr;
  if (c.safety_rules.empty())
    throw std::invalid_argument("--safety-level " + c.safety_level +
                                " needs --safety-rules FILE (a rule set: docs/security.md)");
  safety::FilterConfig fc;
  fc.level = level;
  fc.rules = safety::RuleSet::load_file(c.safety_rules);
  return std::make_shared<safety::ContentFilter>(fc);
}

void load_model(ServerState& st) {
  const auto& c = st.config;
  st.model = Model::load(GgufFile::open(c.model));
  st.chat_template = st.model->file().get_string("tokenizer.chat_template").value_or("");
  engine::EngineParams ep;
  ep.n_ctx = c.ctx;
  ep.n_threads = c.threads;
  ep.max_running = c.parallel;
  ep.token_budget = std::max(512, c.parallel);
  ep.kv_blocks = c.kv_blocks;
  st.engine = std::make_unique<engine::Engine>(st.model, ep);
  if (!c.guard_model.empty()) {
    // A small engine of its own: judgements are short and must not queue behind generations.
    st.guard_weights = Model::load(GgufFile::open(c.guard_model));
    engine::EngineParams gp;
    gp.n_ctx = std::min(c.ctx * 2, st.guard_weights->config().n_ctx_train > 0
                                       ? st.guard_weights->config().n_ctx_train
                                       : c.ctx * 2);
    gp.n_threads = c.threads;
    gp.max_running = 4;
    gp.token_budget = 512;
    st.guard_engine = std::make_unique<engine::Engine>(st.guard_weights, gp);
    st.guard = std::make_unique<safety::GuardModel>(*st.guard_engine);
    std::fprintf(stderr, "hearth serve: guard model %s loaded\n", c.guard_model.c_str());
  }
  st.ready = true;
  std::fprintf(stderr, "hearth serve: model '%s' ready (n_ctx %d, %d parallel)\n",
               st.model_id.c_str(), st.engine->n_ctx(), c.parallel);
}

}  // namespace

int run_server(const ServerConfig& config) {
  if (config.model.empty()) {
    std::fprintf(stderr, "%s", config_help());
    return 2;
  }
  if (config.keys.empty() && !is_loopback_host(config.host)) {
    std::fprintf(stderr,
                 "hearth serve: refusing to bind %s without --keys: anyone who can reach it could "
                 "use the model. Create keys with `hearth keys add`, or bind 127.0.0.1.\n",
                 config.host.c_str());
    return 2;
  }
  if (config.parallel < 1 || config.max_queue < 0 || config.port < 0 || config.port > 65535) {
    std::fprintf(stderr, "hearth serve: --parallel, --max-queue or --port out of range\n");
    return 2;
  }

  // Signals go to one thread (sigwait) only: block them before any other thread exists.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGHUP);
  sigaddset(&sigs, SIGUSR1);  // internal: wakes the signal thread at exit
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a closed client socket is an error return, not a death

  ServerState st;
  st.config = config;
  st.model_id = config.alias.empty() ? file_name(config.model) : config.alias;
  st.created_unix = static_cast<int64_t>(std::time(nullptr));
  if (!config.keys.empty()) {
    st.keys = std::make_unique<KeyStore>(config.keys);
    std::fprintf(stderr, "hearth serve: %zu keys from %s\n", st.keys->size(), config.keys.c_str());
  } else {
    std::fprintf(stderr,
                 "hearth serve: no --keys: no authentication, bound to loopback (%s) only\n",
                 config.host.c_str());
  }
  if (!config.audit_log.empty()) st.audit = std::make_unique<AuditLog>(config.audit_log);
  try {
    st.filter = make_content_filter(config);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hearth serve: %s\n", e.what());
    return 2;
  }

  httplib::Server http;
  const int n_threads =
      config.http_threads > 0 ? config.http_threads : config.parallel + config.max_queue + 32;
  // Every streaming client holds a worker for its whole stream: there must be more workers than
  // generations admitted, so /health and the 503 answers always find one.
  http.new_task_queue = [n_threads] { return new httplib::ThreadPool(n_threads); };
  http.set_payload_max_length(config.max_body_bytes);
  http.set_read_timeout(config.read_timeout_s, 0);
  http.set_write_timeout(config.write_timeout_s, 0);
  http.set_keep_alive_timeout(5);
  http.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        // httplib's own refusals (413, 404 for an unknown path, 400 for bad requests) get the
        // envelope too; handler errors already have a body.
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string msg = res.status == 413 ? "the request body is larger than this server accepts"
                          : res.status == 404 ? "no such endpoint"
                                              : "bad request";
        res.set_content(dump_json(error_body(res.status, msg, "", "")), "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }));
  // A declared body over the limit is refused from its headers, before any of it is read
  // (httplib would otherwise read and discard it all), and the connection is closed.
  const size_t max_body = config.max_body_bytes;
  http.set_pre_routing_handler([max_body](const httplib::Request& req, httplib::Response& res) {
    const std::string len = req.get_header_value("Content-Length");
    if (len.empty()) return httplib::Server::HandlerResponse::Unhandled;
    errno = 0;
    char* end = nullptr;
    const unsigned long long n = std::strtoull(len.c_str(), &end, 10);
    if (end != len.c_str() && *end == '\0' && errno == 0 && n <= max_body)
      return httplib::Server::HandlerResponse::Unhandled;
    res.status = 413;
    res.set_header("Connection", "close");
    res.set_content(dump_json(error_body(413,
                                         "the request body is larger than this server accepts (" +
                                             std::to_string(max_body) + " bytes)",
                                         "", "")),
                    "application/json");
    return httplib::Server::HandlerResponse::Handled;
  });
  http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content(dump_json(error_body(500, "internal error", "", "")), "application/json");
      });

  Pipeline pipeline(st);
  if (config.embedding_only) {
    add_embedding_only_routes(pipeline, http, st);
  } else {
    add_info_routes(pipeline, http, st);
    add_generate_routes(pipeline, http, st);
    if (config.webui) webui::add_webui_routes(pipeline, http, st);
  }
  add_embed_routes(pipeline, http, st);

  int port = config.port;
  if (port == 0) {
    port = http.bind_to_any_port(config.host);
  } else if (!http.bind_to_port(config.host, port)) {
    port = -1;
  }
  if (port < 0) {
    std::fprintf(stderr, "hearth serve: cannot bind %s:%d\n", config.host.c_str(), config.port);
    return 1;
  }
  // Room for bursts of connects, so that overload is answered with 503, not dropped SYNs.
  if (!widen_listen_backlog(port, 4096))
    std::fprintf(stderr, "hearth serve: warning: could not raise the listen backlog\n");
  std::fprintf(stderr, "hearth serve: listening on http://%s:%d\n", config.host.c_str(), port);

  std::thread server_thread([&http] { http.listen_after_bind(); });
  std::string load_error;
  std::thread loader([&st, &load_error] {
    try {
      load_embedder(st);  // --embed-model / --embedding; first, so that ready covers both
      load_kb(st);        // --kb (kb_retrieval.hpp), which may embed with that model
      if (st.config.embedding_only)
        st.ready = true;
      else
        load_model(st);
    } catch (const std::exception& e) {
      load_error = e.what();
      std::fprintf(stderr, "hearth serve: cannot load the model: %s\n", e.what());
      kill(getpid(), SIGTERM);
    }
  });

  for (;;) {
    int sig = 0;
    sigwait(&sigs, &sig);
    if (sig == SIGHUP) {
      try {
        if (st.keys) st.keys->reload();
        if (st.audit) st.audit->reopen();
        std::fprintf(stderr, "hearth serve: SIGHUP: keys re-read, audit log reopened\n");
      } catch (const std::exception& e) {
        std::fprintf(stderr, "hearth serve: SIGHUP: %s (previous keys kept)\n", e.what());
      }
      continue;
    }
    if (sig == SIGTERM || sig == SIGINT) break;
  }
  loader.join();
  // Drain: /health turns 503 so balancers move away, new generations get 503, running ones get
  // up to drain_timeout to finish, then are cancelled.
  st.draining = true;
  std::fprintf(stderr, "hearth serve: draining (%d requests running)\n", st.generations.load());
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(config.drain_timeout_s);
  while (st.generations.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (st.generations.load() > 0) {
    std::fprintf(stderr, "hearth serve: drain timeout: cancelling %d requests\n",
                 st.generations.load());
  }
  // Stopping the listener ends streams (their providers see shutdown) and joins the workers;
  // the engine is destroyed after them, cancelling anything left.
  // A load that fails within milliseconds (a missing --kb) can get here before the listener
  // thread runs: stop() on a server not yet listening does nothing and join() would wait forever.
  for (int i = 0; i < 500 && !http.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  http.stop();
  server_thread.join();
  st.engine.reset();
  std::fprintf(stderr, "hearth serve: stopped\n");
  return load_error.empty() ? 0 : 1;
}

}  // namespace hearth::server

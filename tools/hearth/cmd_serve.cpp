// hearth serve -m MODEL.gguf [--host H] [--port P] [--keys F] [--audit-log F] [--config F.json]
// An OpenAI-compatible HTTP server over the continuous-batching engine (docs/server.md).
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "command.hpp"
#include "server/server.hpp"

namespace {

int run_serve(const std::vector<std::string>& args) {
  hearth::server::ServerConfig config;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      std::fprintf(stderr, "%s", hearth::server::config_help());
      return 0;
    }
    const std::string value = i + 1 < args.size() ? args[i + 1] : std::string();
    try {
      if (a == "--config") {
        if (i + 1 >= args.size()) throw std::invalid_argument("--config needs a file");
        std::ifstream in(value);
        if (!in) throw std::invalid_argument("cannot read '" + value + "'");
        hearth::server::apply_json(config, nlohmann::json::parse(in));
        ++i;
        continue;
      }
      bool used = false;
      if (a.size() < 2 || a[0] != '-' || !hearth::server::apply_flag(config, a, value, &used)) {
        std::fprintf(stderr, "hearth serve: unknown option '%s'\n%s", a.c_str(),
                     hearth::server::config_help());
        return 2;
      }
      if (used && i + 1 >= args.size()) throw std::invalid_argument(a + " needs a value");
      if (used) ++i;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "hearth serve: %s\n", e.what());
      return 2;
    }
  }
  return hearth::server::run_server(config);
}

const hearth::cli::Register reg{"serve", "OpenAI-compatible HTTP server (keys, limits, audit)",
                                &run_serve};

}  // namespace

// Server — `hearth serve`: binds, loads the model in the background (GET /health says 503
// "loading" meanwhile), serves until SIGTERM/SIGINT, then drains. SIGHUP re-reads the key file
// and reopens the audit log.
#pragma once

#include "server/server_config.hpp"

namespace hearth::server {

// Validates the settings (binding beyond loopback needs keys), runs, returns the exit code.
int run_server(const ServerConfig& config);

bool is_loopback_host(const std::string& host);

}  // namespace hearth::server

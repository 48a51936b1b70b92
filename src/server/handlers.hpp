// The endpoints, as pipeline Routes:
//   handlers_generate.cpp  POST /v1/chat/completions, POST /v1/completions (JSON or SSE)
//   handlers_info.cpp      GET /health, /metrics, /v1/models; POST /tokenize, /detokenize
#pragma once

#include "server/pipeline.hpp"

namespace hearth::server {

void add_generate_routes(Pipeline& pipeline, httplib::Server& http, ServerState& state);
void add_info_routes(Pipeline& pipeline, httplib::Server& http, ServerState& state);

// 404 unless `requested` is empty or names the served model.
void check_model(const ServerState& state, const std::string& requested);

}  // namespace hearth::server

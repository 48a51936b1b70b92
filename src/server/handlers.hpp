// The endpoints, as pipeline Routes:
//   handlers_generate.cpp  POST /v1/chat/completions, POST /v1/completions (JSON or SSE)
//   handlers_info.cpp      GET /health, /metrics, /v1/models; POST /tokenize, /detokenize
//   handlers_embed.cpp     POST /v1/embeddings, /v1/rerank (--embed-model, --embedding)
#pragma once

#include "server/pipeline.hpp"

namespace hearth::server {

void add_generate_routes(Pipeline& pipeline, httplib::Server& http, ServerState& state);
void add_info_routes(Pipeline& pipeline, httplib::Server& http, ServerState& state);
// handlers_embed.cpp: POST /v1/embeddings, /v1/rerank; load_embedder() runs on the loader thread.
void add_embed_routes(Pipeline& pipeline, httplib::Server& http, ServerState& state);
void load_embedder(ServerState& state);
// --embedding: /health, /v1/models and clear refusals of the generation endpoints.
void add_embedding_only_routes(Pipeline& pipeline, httplib::Server& http, ServerState& state);

// 404 unless `requested` is empty or names the served model.
void check_model(const ServerState& state, const std::string& requested);

}  // namespace hearth::server

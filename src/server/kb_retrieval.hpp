// --kb KB (docs/server.md, docs/kb.md): answers with sources. For each chat completion the last
// user message is searched in the knowledge base (hybrid, --kb-k passages), the message the model
// sees becomes the numbered passages plus the question (kb/grounded_prompt.hpp, as `hearth chat
// --kb` does), and the response carries the passages' locations in an extra top-level field,
// "sources": [{"index", "path", "page", "line", "score", "chunk"}] (in the final chunk when
// streaming). OpenAI clients ignore unknown fields.
//
// Queries are embedded with --embed-model when it is an embedding model (it must be the one the
// knowledge base was built with: a clear error at start otherwise), else with the model the
// knowledge base records. Threads: searches are serialized (one SQLite connection, a few ms each).
#pragma once

#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "template/chat_template.hpp"

namespace hearth::server {

struct ServerState;
class KbRetrieval;

// Opens --kb on the loader thread (after load_embedder); nothing without --kb. Throws
// hearth::Error with a message for the log (the server then stops).
void load_kb(ServerState& state);
// Grounds the last user message of `messages` in place; returns the sources (a JSON array, empty
// when nothing was found), or null when the server has no knowledge base.
nlohmann::json kb_ground_chat(ServerState& state, std::vector<tmpl::ChatMessage>& messages);

}  // namespace hearth::server

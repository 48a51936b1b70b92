// The chat page served by `hearth serve` (docs/webui.md): GET / is the page, GET /webui/<file>
// its scripts and styles, all embedded in the binary and sent with a strict Content-Security-
// Policy; GET /webui/info (through the pipeline, so it needs a key when the server has keys)
// tells the page the model's name and context size. --no-webui leaves all of them out.
#pragma once

#include <httplib.h>

#include "server/pipeline.hpp"

namespace hearth::server::webui {

// The page's response headers: no inline script or style, nothing from another origin, never
// framed, no MIME sniffing.
extern const char* const kContentSecurityPolicy;

void add_webui_routes(Pipeline& pipeline, httplib::Server& http, ServerState& state);

}  // namespace hearth::server::webui

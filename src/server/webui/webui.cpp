#include "server/webui/webui.hpp"

#include "server/api_error.hpp"
#include "server/webui/assets.hpp"

namespace hearth::server::webui {

const char* const kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

namespace {

void send_asset(const Asset& a, const httplib::Request& req, httplib::Response& res) {
  res.set_header("Content-Security-Policy", kContentSecurityPolicy);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("X-Frame-Options", "DENY");  // for browsers older than frame-ancestors
  res.set_header("Referrer-Policy", "no-referrer");
  // Revalidate every time (cheap: a 304 by ETag), so a new binary's page is never mixed with
  // an old cached script.
  res.set_header("Cache-Control", "no-cache");
  res.set_header("ETag", a.etag);
  if (req.get_header_value("If-None-Match") == a.etag) {
    res.status = 304;
    return;
  }
  res.set_content(reinterpret_cast<const char*>(a.data), a.size, a.content_type);
}

}  // namespace

void add_webui_routes(Pipeline& pl, httplib::Server& http, ServerState& st) {
  const Asset* index = find_asset("index.html");
  http.Get("/", [index](const httplib::Request& req, httplib::Response& res) {
    send_asset(*index, req, res);
  });
  http.Get(R"(/webui/([a-z0-9_-]+\.(js|css|svg)))",
           [](const httplib::Request& req, httplib::Response& res) {
             const Asset* a = find_asset(req.matches[1]);
             if (!a) {
               res.status = 404;  // the error handler writes the JSON envelope
               return;
             }
             send_asset(*a, req, res);
           });
  // What the page's header shows. A pipeline route: with --keys it needs a key (role reader),
  // which is how the page learns that it must ask for one.
  pl.add(http, {"GET", "/webui/info", true, Role::kReader, false, false,
                [&st](const CallPtr&, const httplib::Request&, httplib::Response& res) {
                  if (!st.ready) {
                    ApiError e(503, "the model is still loading", "", "model_loading");
                    e.headers["Retry-After"] = "1";
                    throw e;
                  }
                  const nlohmann::json info = {{"model", st.model_id},
                                               {"n_ctx", st.engine->n_ctx()},
                                               {"auth", st.keys != nullptr}};
                  res.set_header("Cache-Control", "no-store");
                  res.set_content(dump_json(info), "application/json");
                }});
}

}  // namespace hearth::server::webui

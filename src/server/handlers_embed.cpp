// POST /v1/embeddings (OpenAI's request and response) and POST /v1/rerank (the Jina / Cohere
// shape llama-server answers, also at /rerank, /v1/reranking and /reranking), served by an
// embedding or reranking model: `--embed-model E` next to the chat model, or `--embedding` /
// `--reranking` with -m as llama-server does (then nothing generates). docs/server.md.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "hearth/error.hpp"
#include "server/api_error.hpp"
#include "server/handlers.hpp"

namespace hearth::server {

using nlohmann::json;

namespace {

std::string file_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

const embed::Embedder& embedder(const ServerState& st) {
  if (st.config.embed_model.empty() && !st.config.embedding_only)
    throw ApiError(404,
                   "this server has no embedding model: start it with --embed-model E.gguf (or "
                   "-m E.gguf --embedding)",
                   "", "no_embedding_model");
  if (!st.embed_ready) {
    ApiError e(503, "the embedding model is still loading", "", "model_loading");
    e.headers["Retry-After"] = "5";
    throw e;
  }
  return *st.embedder;
}

void check_embed_model(const ServerState& st, const json& body) {
  if (!body.contains("model") || body["model"].is_null()) return;
  if (!body["model"].is_string()) throw ApiError(400, "'model' must be a string", "model");
  const std::string requested = body["model"];
  if (!requested.empty() && requested != st.embed_model_id)
    throw ApiError(404,
                   "the model '" + requested + "' does not exist (this server embeds with '" +
                       st.embed_model_id + "')",
                   "model", "model_not_found");
}

// hearth::Error from the embedder: the caller's fault (too long, not a reranker) is a 400.
template <typename F>
auto run_embedder(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Error& e) {
    if (e.status() == Status::kInvalidArgument) throw ApiError(400, e.what());
    throw;
  }
}

std::string base64(const void* data, size_t n) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* p = static_cast<const unsigned char*>(data);
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  for (size_t i = 0; i < n; i += 3) {
    const uint32_t v = (uint32_t{p[i]} << 16) | (i + 1 < n ? uint32_t{p[i + 1]} << 8 : 0) |
                       (i + 2 < n ? uint32_t{p[i + 2]} : 0);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < n ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < n ? kAlphabet[v & 63] : '=';
  }
  return out;
}

// OpenAI's `encoding_format: "base64"`: the float32 values, little-endian, base64-encoded.
std::string floats_base64(const float* v, int n) {
  std::vector<unsigned char> bytes(static_cast<size_t>(n) * 4);
  for (int i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, &v[i], 4);
    for (int b = 0; b < 4; ++b) bytes[static_cast<size_t>(i) * 4 + b] = (bits >> (8 * b)) & 0xFF;
  }
  return base64(bytes.data(), bytes.size());
}

// `input`: a string, an array of strings, an array of token ids, or an array of such arrays.
struct Inputs {
  std::vector<std::string> texts;            // either texts ...
  std::vector<std::vector<int32_t>> tokens;  // ... or token arrays
};

std::vector<int32_t> token_array(const json& a) {
  if (a.empty()) throw ApiError(400, "a token array in 'input' is empty", "input");
  std::vector<int32_t> ids;
  for (const json& t : a) {
    if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() > INT32_MAX)
      throw ApiError(400, "'input' token arrays hold non-negative integers", "input");
    ids.push_back(t.get<int32_t>());
  }
  return ids;
}

Inputs parse_input(const json& body) {
  if (!body.contains("input")) throw ApiError(400, "'input' is required", "input");
  const json& in = body["input"];
  Inputs out;
  auto add_text = [&](const json& s) {
    if (s.get_ref<const std::string&>().empty())
      throw ApiError(400, "'input' cannot be an empty string", "input");
    out.texts.push_back(s);
  };
  if (in.is_string()) {
    add_text(in);
  } else if (in.is_array() && !in.empty() && in[0].is_number()) {
    out.tokens.push_back(token_array(in));
  } else if (in.is_array() && !in.empty()) {
    for (const json& item : in) {
      if (item.is_string() && out.tokens.empty())
        add_text(item);
      else if (item.is_array() && out.texts.empty())
        out.tokens.push_back(token_array(item));
      else
        throw ApiError(400,
                       "'input' must be a string, an array of strings, an array of token ids "
                       "or an array of token arrays",
                       "input");
    }
  } else {
    throw ApiError(400, "'input' must be a non-empty string or array", "input");
  }
  return out;
}

void handle_embeddings(ServerState& st, const CallPtr& call, httplib::Response& res) {
  const json& b = call->body;
  const embed::Embedder& e = embedder(st);
  check_embed_model(st, b);
  call->model = st.embed_model_id;
  bool as_base64 = false;
  if (b.contains("encoding_format") && !b["encoding_format"].is_null()) {
    const json& f = b["encoding_format"];
    if (!f.is_string() || (f != "float" && f != "base64"))
      throw ApiError(400, "'encoding_format' must be \"float\" or \"base64\"", "encoding_format");
    as_base64 = f == "base64";
  }
  if (b.contains("dimensions") && !b["dimensions"].is_null() &&
      (!b["dimensions"].is_number_integer() || b["dimensions"].get<int64_t>() != e.dim()))
    throw ApiError(400,
                   "this model's embeddings have " + std::to_string(e.dim()) +
                       " dimensions; 'dimensions' cannot change that",
                   "dimensions");
  if (e.pooling() == embed::Pooling::kRank)
    throw ApiError(400, "this model is a reranker: use /v1/rerank", "model");
  if (e.pooling() == embed::Pooling::kNone)
    throw ApiError(400,
                   "pooling 'none' gives one vector per token, which /v1/embeddings cannot "
                   "return: start the server with --pooling mean, cls or last");
  const Inputs in = parse_input(b);
  int prompt_tokens = 0;
  std::vector<float> rows;
  if (!in.texts.empty()) {
    for (const auto& t : in.texts) prompt_tokens += e.count_tokens(t);
    rows = run_embedder([&] { return e.embed(in.texts); });
    if (st.config.audit_content)
      for (const auto& t : in.texts) call->content_in += t + "\n";
  } else {
    for (const auto& ids : in.tokens) prompt_tokens += static_cast<int>(ids.size());
    rows = run_embedder([&] { return e.embed_ids(in.tokens); });
  }
  call->prompt_tokens = prompt_tokens;
  const int dim = e.dim();
  const size_t n = in.texts.empty() ? in.tokens.size() : in.texts.size();
  json data = json::array();
  for (size_t i = 0; i < n; ++i) {
    const float* v = rows.data() + i * static_cast<size_t>(dim);
    json item = {{"object", "embedding"}, {"index", i}};
    if (as_base64)
      item["embedding"] = floats_base64(v, dim);
    else
      item["embedding"] = std::vector<float>(v, v + dim);
    data.push_back(std::move(item));
  }
  res.set_content(
      dump_json({{"object", "list"},
                 {"data", std::move(data)},
                 {"model", st.embed_model_id},
                 {"usage", {{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}}}}),
      "application/json");
}

std::string document_text(const json& d) {
  if (d.is_string()) return d;
  if (d.is_object() && d.contains("text") && d["text"].is_string()) return d["text"];
  throw ApiError(400, "'documents' holds strings (or objects with a \"text\" string)", "documents");
}

void handle_rerank(ServerState& st, const CallPtr& call, httplib::Response& res) {
  const json& b = call->body;
  const embed::Embedder& e = embedder(st);
  check_embed_model(st, b);
  call->model = st.embed_model_id;
  if (!b.contains("query") || !b["query"].is_string())
    throw ApiError(400, "'query' must be a string", "query");
  const json& docs_json = b.contains("documents") ? b["documents"] : json();
  if (!docs_json.is_array() || docs_json.empty())
    throw ApiError(400, "'documents' must be a non-empty array", "documents");
  std::vector<std::string> docs;
  for (const json& d : docs_json) docs.push_back(document_text(d));
  size_t top_n = docs.size();
  if (b.contains("top_n") && !b["top_n"].is_null()) {
    if (!b["top_n"].is_number_integer() || b["top_n"].get<int64_t>() < 1)
      throw ApiError(400, "'top_n' must be a positive integer", "top_n");
    top_n = std::min(top_n, static_cast<size_t>(b["top_n"].get<int64_t>()));
  }
  bool return_documents = false;
  if (b.contains("return_documents") && !b["return_documents"].is_null()) {
    if (!b["return_documents"].is_boolean())
      throw ApiError(400, "'return_documents' must be a boolean", "return_documents");
    return_documents = b["return_documents"];
  }
  const std::string query = b["query"];
  const std::vector<float> scores = run_embedder([&] { return e.rerank(query, docs); });
  // Usage: the query's and every document's tokens as the model counts them.
  int prompt_tokens = 0;
  for (const auto& d : docs) prompt_tokens += e.count_tokens(query) + e.count_tokens(d);
  call->prompt_tokens = prompt_tokens;
  std::vector<size_t> order(docs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t x, size_t y) { return scores[x] > scores[y]; });
  json results = json::array();
  for (size_t k = 0; k < top_n; ++k) {
    json r = {{"index", order[k]}, {"relevance_score", scores[order[k]]}};
    if (return_documents) r["document"] = {{"text", docs[order[k]]}};
    results.push_back(std::move(r));
  }
  res.set_content(
      dump_json({{"object", "list"},
                 {"model", st.embed_model_id},
                 {"results", std::move(results)},
                 {"usage", {{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}}}}),
      "application/json");
}

}  // namespace

void load_embedder(ServerState& st) {
  const ServerConfig& c = st.config;
  const std::string path = c.embedding_only ? c.model : c.embed_model;
  if (path.empty()) return;
  embed::EmbedderOptions o;
  o.n_threads = c.threads;
  if (!c.pooling.empty()) o.pooling = embed::parse_pooling(c.pooling);
  st.embedder = embed::Embedder::load(path, o);
  st.embed_model_id = c.embedding_only ? st.model_id : file_name(path);
  st.embed_ready = true;
  std::fprintf(stderr, "hearth serve: embedding model '%s' ready (%s, dim %d, pooling %s)\n",
               st.embed_model_id.c_str(), st.embedder->architecture().c_str(), st.embedder->dim(),
               embed::pooling_name(st.embedder->pooling()));
}

void add_embed_routes(Pipeline& pl, httplib::Server& http, ServerState& st) {
  // Counted like generations (queue limit, 503 while loading or draining).
  pl.add(http, {"POST", "/v1/embeddings", true, Role::kUser, true, true,
                [&st](const CallPtr& call, const httplib::Request&, httplib::Response& res) {
                  handle_embeddings(st, call, res);
                }});
  for (const char* path : {"/v1/rerank", "/rerank", "/v1/reranking", "/reranking"})
    pl.add(http, {"POST", path, true, Role::kUser, true, true,
                  [&st](const CallPtr& call, const httplib::Request&, httplib::Response& res) {
                    handle_rerank(st, call, res);
                  }});
}

void add_embedding_only_routes(Pipeline& pl, httplib::Server& http, ServerState& st) {
  pl.add(http, {"GET", "/health", false, Role::kReader, false, false,
                [&st](const CallPtr&, const httplib::Request&, httplib::Response& res) {
                  const char* s = st.draining ? "draining" : st.ready ? "ok" : "loading";
                  res.status = st.ready && !st.draining ? 200 : 503;
                  res.set_content(json{{"status", s}}.dump(), "application/json");
                }});
  pl.add(http, {"GET", "/v1/models", true, Role::kReader, false, false,
                [&st](const CallPtr&, const httplib::Request&, httplib::Response& res) {
                  json m = {{"id", st.model_id},
                            {"object", "model"},
                            {"created", st.created_unix},
                            {"owned_by", "hearth"}};
                  res.set_content(dump_json({{"object", "list"}, {"data", json::array({m})}}),
                                  "application/json");
                }});
  for (const char* path : {"/v1/chat/completions", "/v1/completions"})
    pl.add(http, {"POST", path, true, Role::kUser, false, false,
                  [](const CallPtr&, const httplib::Request&, httplib::Response&) {
                    throw ApiError(501,
                                   "this server was started with --embedding: it serves "
                                   "/v1/embeddings and /v1/rerank only",
                                   "", "not_supported");
                  }});
}

}  // namespace hearth::server

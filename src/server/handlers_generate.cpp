// POST /v1/chat/completions and /v1/completions. Both answer through a chunked content
// provider, streaming or not: the provider is where the HTTP thread waits for the engine, and
// writing (tokens, or SSE comment / JSON whitespace pings when there are none for 100 ms) is how
// a client that went away is noticed: the write after its FIN fails, and the engine requests are
// cancelled. Pings also keep idle connections alive through proxies during long prompts.
#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <functional>
#include <optional>

#include "hearth/error.hpp"
#include "hearth/tokenizer.hpp"
#include "server/api_error.hpp"
#include "server/generation.hpp"
#include "server/handlers.hpp"
#include "server/kb_retrieval.hpp"
#include "server/prompt.hpp"
#include "toolcall/tool_grammar.hpp"
#include "toolcall/tool_prompt.hpp"
#include "toolcall/tool_stream.hpp"

namespace hearth::server {

using nlohmann::json;

namespace {

constexpr int kPollMs = 20;
constexpr int kPingMs = 100;

json bytes_of(const std::string& s) {
  json a = json::array();
  for (unsigned char c : s) a.push_back(static_cast<int>(c));
  return a;
}

// What a provider needs between its calls.
struct Stream {
  std::unique_ptr<Generation> gen;
  GenerationParams params;
  std::string id, model;
  int64_t created = 0;
  std::vector<std::string> text;
  std::vector<json> logprobs;  // chat: content entries; completions: the four arrays
  std::vector<bool> role_sent;
  std::vector<engine::Clock::time_point> last_piece;
  engine::Clock::time_point last_write;
  bool ended = false;
  // Tools offered (docs/tools.md): each choice's text goes through a ToolStream when streaming,
  // through parse_tool_reply otherwise; `called` choices end with finish_reason "tool_calls".
  bool tools_on = false;
  toolcall::ToolFormat tool_format = toolcall::ToolFormat::kHermes;
  std::vector<std::string> tool_names;
  std::vector<toolcall::ToolStream> tool_streams;
  std::vector<bool> called;
  nlohmann::json sources;  // --kb: the passages the turn was grounded in (kb_retrieval.hpp)
};

// A call id: 9 letters and digits (Mistral's templates require exactly that on the next turn),
// with OpenAI's "call_" prefix for the other formats. Unique within a response.
std::string call_id(const Stream& s, int choice, size_t k) {
  static constexpr char kAlnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  uint64_t h =
      std::hash<std::string>{}(s.id + "/" + std::to_string(choice) + "/" + std::to_string(k));
  std::string id;
  for (int i = 0; i < 9; ++i, h /= 62) id += kAlnum[h % 62];
  const bool mistral = s.tool_format == toolcall::ToolFormat::kMistral ||
                       s.tool_format == toolcall::ToolFormat::kMistralArgs;
  return mistral ? id : "call_" + id;
}

json tool_calls_json(const Stream& s, int choice, const std::vector<toolcall::ToolCall>& calls,
                     bool streamed) {
  json a = json::array();
  for (size_t k = 0; k < calls.size(); ++k) {
    json c = {{"id", calls[k].id.empty() ? call_id(s, choice, k) : calls[k].id},
              {"type", "function"},
              {"function", {{"name", calls[k].name}, {"arguments", calls[k].arguments}}}};
    if (streamed) c["index"] = static_cast<int>(k);
    a.push_back(c);
  }
  return a;
}

json usage_json(const engine::Usage& u) {
  return {{"prompt_tokens", u.prompt_tokens},
          {"completion_tokens", u.generated_tokens},
          {"total_tokens", u.prompt_tokens + u.generated_tokens},
          {"prompt_tokens_details", {{"cached_tokens", u.cached_prompt_tokens}}}};
}

void add_logprob(Stream& s, const Piece& p, const engine::Engine& eng, json& into) {
  const Tokenizer* tok = eng.model().tokenizer();
  if (s.params.chat) {
    json top = json::array();
    for (const auto& [t, v] : p.lp.top) {
      const std::string txt = tok ? tok->token_to_piece(t) : std::to_string(t);
      top.push_back({{"token", txt}, {"logprob", v}, {"bytes", bytes_of(txt)}});
    }
    into["content"].push_back({{"token", p.lp.text},
                               {"logprob", p.lp.logprob},
                               {"bytes", bytes_of(p.lp.text)},
                               {"top_logprobs", top}});
  } else {
    into["tokens"].push_back(p.lp.text);
    into["token_logprobs"].push_back(p.lp.logprob);
    json top = json::object();
    for (const auto& [t, v] : p.lp.top) top[tok ? tok->token_to_piece(t) : std::to_string(t)] = v;
    into["top_logprobs"].push_back(top);
    into["text_offset"].push_back(0);
  }
}

json empty_logprobs(bool chat) {
  if (chat) return {{"content", json::array()}};
  return {{"tokens", json::array()},
          {"token_logprobs", json::array()},
          {"top_logprobs", json::array()},
          {"text_offset", json::array()}};
}

std::string client_reason(const std::string& r) {
  if (r == "tool_calls") return r;
  if (r == "length" || r == "content_filter") return r;
  return "stop";  // cancelled/error never reach a reading client
}

json chunk(const Stream& s) {
  return {{"id", s.id},
          {"object", s.params.chat ? "chat.completion.chunk" : "text_completion"},
          {"created", s.created},
          {"model", s.model}};
}

std::string sse(const json& j) {
  return "data: " + dump_json(j) + "\n\n";
}

// One SSE chunk for choice `i` carrying `delta` (the role on the choice's first).
std::string delta_chunk(Stream& s, int i, json delta, json logprobs = nullptr) {
  if (!s.role_sent[i]) delta["role"] = "assistant";
  s.role_sent[i] = true;
  json c = chunk(s);
  c["choices"] = json::array(
      {{{"index", i}, {"delta", delta}, {"logprobs", logprobs}, {"finish_reason", nullptr}}});
  if (s.params.include_usage) c["usage"] = nullptr;
  return sse(c);
}

// A choice's tool-call progress as OpenAI streams it: the call's first chunk has its index,
// id, type and name (arguments ""), the following ones pieces of the arguments.
std::string tool_delta_chunks(Stream& s, int i, const toolcall::ToolDelta& d) {
  std::string out;
  if (!d.content.empty()) out += delta_chunk(s, i, {{"content", d.content}});
  for (const toolcall::ToolCallDelta& c : d.calls) {
    json call = {{"index", static_cast<int>(c.index)}};
    if (c.opens) {
      call["id"] = c.id.empty() ? call_id(s, i, c.index) : c.id;
      call["type"] = "function";
      call["function"] = {{"name", c.name}, {"arguments", ""}};
    } else {
      call["function"] = {{"arguments", c.arguments}};
    }
    out += delta_chunk(s, i, {{"content", nullptr}, {"tool_calls", json::array({call})}});
  }
  return out;
}

// The SSE events for a batch of pieces.
std::string stream_pieces(Stream& s, const std::vector<Piece>& pieces, const engine::Engine& eng) {
  std::string out;
  for (const Piece& p : pieces) {
    json lp = nullptr;
    if (p.has_logprob) {
      lp = empty_logprobs(s.params.chat);
      add_logprob(s, p, eng, lp);
    }
    if (s.params.chat && s.tools_on) {
      // Content until a call opens; a call's name and arguments as they are written.
      const toolcall::ToolDelta d = s.tool_streams[p.choice].push(p.text);
      if (p.has_logprob && d.content.empty())
        out += delta_chunk(s, p.choice, {{"content", ""}}, lp);
      else if (!d.content.empty())
        out += delta_chunk(s, p.choice, {{"content", d.content}}, lp);
      toolcall::ToolDelta calls = d;
      calls.content.clear();
      out += tool_delta_chunks(s, p.choice, calls);
      continue;
    }
    json c = chunk(s);
    json choice = {{"index", p.choice}, {"finish_reason", nullptr}};
    choice["logprobs"] = lp;
    if (s.params.chat) {
      json delta = {{"content", p.text}};
      if (!s.role_sent[p.choice]) delta["role"] = "assistant";
      s.role_sent[p.choice] = true;
      choice["delta"] = delta;
    } else {
      choice["text"] = p.text;
    }
    c["choices"] = json::array({choice});
    if (s.params.include_usage) c["usage"] = nullptr;
    out += sse(c);
  }
  return out;
}

// The rest of a choice when tools are offered: what the parse of the whole reply adds.
std::string stream_tool_end(Stream& s, int i) {
  const std::string out = tool_delta_chunks(s, i, s.tool_streams[i].finish());
  s.called[i] = s.tool_streams[i].called();
  return out;
}

// "tool_calls" for a choice that called tools and ended on its own.
std::string choice_reason(const Stream& s, int i) {
  const std::string r = s.gen->finish_reason(i);
  return s.called[i] && r == "stop" ? "tool_calls" : r;
}

std::string stream_end(Stream& s) {
  std::string out;
  for (int i = 0; i < s.gen->n(); ++i) {
    if (s.tools_on) out += stream_tool_end(s, i);
    json c = chunk(s);
    json choice = {
        {"index", i}, {"logprobs", nullptr}, {"finish_reason", client_reason(choice_reason(s, i))}};
    if (s.params.chat) {
      choice["delta"] =
          s.role_sent[i] ? json::object() : json{{"role", "assistant"}, {"content", ""}};
    } else {
      choice["text"] = "";
    }
    c["choices"] = json::array({choice});
    if (s.params.include_usage) c["usage"] = nullptr;
    if (!s.sources.is_null()) c["sources"] = s.sources;
    out += sse(c);
  }
  if (s.params.include_usage) {
    json c = chunk(s);
    c["choices"] = json::array();
    c["usage"] = usage_json(s.gen->usage());
    out += sse(c);
  }
  return out + "data: [DONE]\n\n";
}

std::string full_response(Stream& s) {
  json choices = json::array();
  for (int i = 0; i < s.gen->n(); ++i) {
    json message = {{"role", "assistant"}, {"content", s.text[i]}};
    if (s.tools_on) {
      const toolcall::ParsedReply r =
          toolcall::parse_tool_reply(s.text[i], s.tool_format, s.tool_names);
      if (!r.calls.empty()) {
        message["content"] = r.content.empty() ? json(nullptr) : json(r.content);
        message["tool_calls"] = tool_calls_json(s, i, r.calls, false);
        s.called[i] = true;
      }
    }
    json c = {{"index", i},
              {"finish_reason", client_reason(choice_reason(s, i))},
              {"logprobs", s.params.logprobs ? s.logprobs[i] : json(nullptr)}};
    if (s.params.chat)
      c["message"] = message;
    else
      c["text"] = s.text[i];
    choices.push_back(c);
  }
  json r = {
      {"id", s.id},           {"object", s.params.chat ? "chat.completion" : "text_completion"},
      {"created", s.created}, {"model", s.model},
      {"choices", choices},   {"usage", usage_json(s.gen->usage())}};
  if (!s.sources.is_null()) r["sources"] = s.sources;
  return dump_json(r);
}

void record(const Stream& s, Call& call, const ServerState& st) {
  const engine::Usage u = s.gen->usage();
  call.prompt_tokens = u.prompt_tokens;
  call.cached_tokens = u.cached_prompt_tokens;
  call.completion_tokens = u.generated_tokens;
  call.first_token_ms = s.gen->first_token_ms();
  std::string reasons;
  for (int i = 0; i < s.gen->n(); ++i) reasons += (i ? "," : "") + s.gen->finish_reason(i);
  call.finish_reason = reasons;
  for (int i = 0; i < s.gen->n(); ++i) {
    const std::string category = s.gen->blocked_category(i);
    if (!category.empty() && call.filter_category.find(category) == std::string::npos)
      call.filter_category += (call.filter_category.empty() ? "" : ",") + category;
  }
  if (st.config.audit_content) {
    for (const auto& t : s.text) call.content_out += t;
  }
}

// The input filter: the category of the first blocked user message (or completion prompt), or
// "" when everything may be sent to the model.
// --guard-model: the guard judges the conversation's user and assistant turns up to the last
// user message (the category, or "").
std::string guard_input(const ServerState& st, const GenerationParams& p) {
  if (!st.guard) return "";
  std::vector<tmpl::ChatMessage> conversation;
  for (const auto& m : p.messages)
    if (m.role == "user" || m.role == "assistant") conversation.push_back({m.role, m.content});
  while (!conversation.empty() && conversation.back().role != "user") conversation.pop_back();
  if (conversation.empty()) return "";
  const safety::Verdict v = st.guard->judge(conversation);
  return v.blocked ? v.category : std::string();
}

std::string screen_input(const ServerState& st, const GenerationParams& p, bool chat) {
  if (!st.filter) return chat ? guard_input(st, p) : "";
  auto check = [&](const std::string& text) {
    const safety::Verdict v = st.filter->check(text, safety::Direction::kInput);
    return v.blocked ? v.category : std::string();
  };
  if (chat) {
    for (const auto& m : p.messages)
      if (m.role == "user")
        if (std::string c = check(m.content); !c.empty()) return c;
    return guard_input(st, p);
  }
  if (!p.prompt_is_tokens) return check(p.prompt);
  const Tokenizer* tok = st.model->tokenizer();
  return tok ? check(tok->decode(p.prompt_tokens)) : "";
}

// A request the input filter blocked: answered like a reply that ended at once with
// finish_reason "content_filter" (as OpenAI's API does), nothing sent to the model.
void answer_blocked(const GenerationParams& p, const std::string& id, const std::string& model,
                    httplib::Response& res) {
  const int64_t created = static_cast<int64_t>(std::time(nullptr));
  const char* object =
      p.chat ? (p.stream ? "chat.completion.chunk" : "chat.completion") : "text_completion";
  const json usage = usage_json(engine::Usage{});  // nothing ran
  json choices = json::array();
  for (int i = 0; i < p.n; ++i) {
    json c = {{"index", i}, {"finish_reason", "content_filter"}, {"logprobs", nullptr}};
    if (p.chat && p.stream)
      c["delta"] = {{"role", "assistant"}, {"content", ""}};
    else if (p.chat)
      c["message"] = {{"role", "assistant"}, {"content", ""}};
    else
      c["text"] = "";
    choices.push_back(c);
  }
  json r = {
      {"id", id}, {"object", object}, {"created", created}, {"model", model}, {"choices", choices}};
  if (!p.stream) {
    r["usage"] = usage;
    res.set_content(dump_json(r), "application/json");
    return;
  }
  if (p.include_usage) r["usage"] = nullptr;
  std::string body = sse(r);
  if (p.include_usage) {
    json u = {{"id", id},       {"object", object},         {"created", created},
              {"model", model}, {"choices", json::array()}, {"usage", usage}};
    body += sse(u);
  }
  res.set_content(body + "data: [DONE]\n\n", "text/event-stream");
}

void generate(ServerState& st, Pipeline& pl, const CallPtr& call, httplib::Response& res,
              bool chat) {
  GenerationParams p = chat ? parse_chat_request(call->body) : parse_completion_request(call->body);
  check_model(st, p.model);
  call->model = st.model_id;
  if (const std::string category = screen_input(st, p, chat); !category.empty()) {
    call->finish_reason = "content_filter";
    call->filter_category = category;
    st.metrics.count_content_filter("input");
    answer_blocked(p, (chat ? "chatcmpl-" : "cmpl-") + call->id.substr(4), st.model_id, res);
    return;
  }
  json sources = chat ? kb_ground_chat(st, p.messages) : json();  // --kb
  const Model& model = *st.model;
  std::vector<int32_t> prompt;
  toolcall::TemplateTools how;
  if (chat) {
    // Tools (docs/tools.md): into the prompt, and a grammar that keeps calls valid.
    how = toolcall::detect_tool_format(
        st.chat_template.empty() ? std::nullopt : std::optional<std::string>(st.chat_template));
    const toolcall::ToolConversation conv =
        toolcall::prepare_tool_prompt(p.messages, p.tools, p.tool_choice, how);
    prompt = chat_prompt_tokens(model, st.chat_template, conv.messages, conv.tools_json);
    if (p.offers_tools()) {
      toolcall::ToolGrammar g;
      try {
        g = toolcall::tool_call_grammar(p.tools, p.tool_choice, how.format, p.parallel_tool_calls);
      } catch (const Error& e) {
        // auto: the model may still call, unconstrained; a forced call must be enforceable.
        if (p.tool_choice.mode != toolcall::ChoiceMode::kAuto)
          throw ApiError(400, e.what(), "tools");
      }
      p.sampler.grammar = g.gbnf;
      p.sampler.grammar_triggers = g.triggers;
    } else if (!p.response_grammar.empty()) {
      p.sampler.grammar = p.response_grammar;
    }
  } else if (p.prompt_is_tokens)
    prompt = p.prompt_tokens;
  else
    prompt = completion_prompt_tokens(model, p.prompt);
  if (st.config.audit_content) {
    if (chat)
      for (const auto& m : p.messages) call->content_in += m.role + ": " + m.content + "\n";
    else
      call->content_in = p.prompt;
  }
  auto s = std::make_shared<Stream>();
  // Prefix-cache isolation: a key's prompts share KV blocks only with the same key.
  const std::string tenant = call->key ? call->key->id : std::string();
  s->gen = std::make_unique<Generation>(*st.engine, std::move(prompt), p, tenant,
                                        st.config.stream_buffer_bytes, st.filter);
  s->params = std::move(p);
  s->sources = std::move(sources);
  s->id = (chat ? "chatcmpl-" : "cmpl-") + call->id.substr(4);
  s->model = st.model_id;
  s->created = static_cast<int64_t>(std::time(nullptr));
  const int n = s->gen->n();
  s->text.resize(n);
  s->logprobs.assign(n, empty_logprobs(chat));
  s->role_sent.assign(n, false);
  s->last_piece.assign(n, engine::Clock::now());
  s->last_write = engine::Clock::now();
  s->called.assign(n, false);
  if (chat && s->params.offers_tools()) {
    s->tools_on = true;
    s->tool_format = how.format;
    for (const auto& t : s->params.tools) s->tool_names.push_back(t.name);
    const bool eager = s->params.tool_choice.mode != toolcall::ChoiceMode::kAuto;
    for (int i = 0; i < n; ++i) s->tool_streams.emplace_back(how.format, eager, s->tool_names);
  }
  call->deferred = true;

  const bool streaming = s->params.stream;
  Metrics* metrics = &st.metrics;
  const engine::Engine* eng = st.engine.get();
  auto provider = [s, call, streaming, metrics, eng](size_t, httplib::DataSink& sink) -> bool {
    if (s->ended) return false;
    std::vector<Piece> pieces;
    const bool more = s->gen->poll(pieces, kPollMs);
    const auto now = engine::Clock::now();
    for (const Piece& pc : pieces) {
      if (!pc.text.empty() || pc.has_logprob) {
        metrics->observe_inter_token(
            std::chrono::duration<double>(pc.at - s->last_piece[pc.choice]).count());
        s->last_piece[pc.choice] = pc.at;
      }
      if (!streaming) {
        s->text[pc.choice] += pc.text;
        if (pc.has_logprob) add_logprob(*s, pc, *eng, s->logprobs[pc.choice]);
      } else {
        s->text[pc.choice] += pc.text;  // kept for the audit log
      }
    }
    auto write = [&](const std::string& data) {
      if (data.empty()) return true;
      s->last_write = now;
      if (sink.write(data.data(), data.size())) return true;
      call->disconnected = true;
      s->gen->cancel();
      s->ended = true;
      return false;
    };
    if (s->gen->overflowed()) {
      // The client reads slower than the model writes: give up rather than buffer without end.
      call->disconnected = true;
      s->gen->cancel();
      s->ended = true;
      return false;
    }
    if (streaming && !pieces.empty() && !write(stream_pieces(*s, pieces, *eng))) return false;
    if (!more) {
      s->ended = true;
      if (!write(streaming ? stream_end(*s) : full_response(*s))) return false;
      sink.done();
      return true;
    }
    if (std::chrono::duration<double, std::milli>(now - s->last_write).count() >= kPingMs)
      return write(streaming ? ": ping\n\n" : " ");
    return true;
  };
  ServerState* state = &st;
  Pipeline* pipeline = &pl;
  auto releaser = [s, call, state, pipeline](bool) {
    s->gen->cancel();
    record(*s, *call, *state);
    if (!call->filter_category.empty()) state->metrics.count_content_filter("output");
    if (call->first_token_ms > 0) state->metrics.observe_ttft(call->first_token_ms / 1000.0);
    state->metrics.add_tokens(call->prompt_tokens, call->cached_tokens, call->completion_tokens);
    call->status = 200;
    pipeline->finish(call);
  };
  res.set_header("Cache-Control", "no-cache");
  if (streaming) res.set_header("X-Accel-Buffering", "no");  // nginx: do not buffer SSE
  res.set_chunked_content_provider(streaming ? "text/event-stream" : "application/json", provider,
                                   releaser);
}

}  // namespace

void add_generate_routes(Pipeline& pl, httplib::Server& http, ServerState& st) {
  pl.add(http, {"POST", "/v1/chat/completions", true, Role::kUser, true, true,
                [&st, &pl](const CallPtr& call, const httplib::Request&, httplib::Response& res) {
                  generate(st, pl, call, res, true);
                }});
  pl.add(http, {"POST", "/v1/completions", true, Role::kUser, true, true,
                [&st, &pl](const CallPtr& call, const httplib::Request&, httplib::Response& res) {
                  generate(st, pl, call, res, false);
                }});
}

}  // namespace hearth::server

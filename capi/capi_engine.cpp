// hearth_engine_* / hearth_request_*: the C ABI of src/engine/ (continuous batching).
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <unordered_set>

#include "capi_filter.hpp"
#include "capi_generate_options.hpp"
#include "capi_internal.hpp"
#include "capi_tools.hpp"
#include "engine/chat_prompt.hpp"
#include "engine/engine.hpp"
#include "template/utf8.hpp"
#include "toolcall/chat_messages.hpp"
#include "toolcall/tool_chat_prompt.hpp"
#include "toolcall/tool_request.hpp"

struct hearth_engine {
  std::unique_ptr<hearth::engine::Engine> engine;
  std::shared_ptr<const hearth::Tokenizer> tokenizer;
};

struct hearth_request {
  hearth_engine* owner;  // dereferenced only while the request runs (the engine then lives)
  std::shared_ptr<hearth::engine::Request> req;
  // Tools offered (docs/tools.md): the delivered text, read back into calls once, when asked.
  std::shared_ptr<hearth::capi::TextTap> tool_tap;
  // The format of the model's template (tool_chat_prompt detects it as the server does).
  hearth::toolcall::ToolFormat tool_format{};
  std::vector<std::string> tool_names;
  mutable std::mutex tool_mu;
  mutable std::string tool_calls;  // "" until first read (then fixed: the same ids every time)
};

using hearth::capi::guarded;
using hearth::capi::init_sized;
using hearth::capi::invalid;
using hearth::capi::read_sized;
using hearth::capi::require;
using hearth::capi::write_sized;

namespace {

// Live request handles, so that cancel can tell a stale or foreign pointer from a request
// without dereferencing it.
std::mutex g_live_mu;
std::unordered_set<const hearth_request*> g_live;

bool is_live(const hearth_request* r) {
  std::lock_guard<std::mutex> lock(g_live_mu);
  return g_live.count(r) != 0;
}

void require_live(const hearth_request* r) {
  require(r, "request");
  if (!is_live(r)) invalid("request is not a live hearth_request handle");
}

hearth_engine_params engine_defaults() {
  hearth_engine_params p{};
  p.struct_size = sizeof p;
  const hearth::engine::EngineParams d;
  p.n_ctx = d.n_ctx;
  p.n_threads = d.n_threads;
  p.kv_blocks = d.kv_blocks;
  p.max_running = d.max_running;
  p.token_budget = d.token_budget;
  p.max_decode_stall = d.max_decode_stall;
  return p;
}

hearth_request_params request_defaults() {
  hearth_request_params p{};
  p.struct_size = sizeof p;
  p.max_tokens = 256;
  return p;
}

}  // namespace

extern "C" {

hearth_status hearth_engine_params_init(hearth_engine_params* params, size_t size) {
  return init_sized(params, size, engine_defaults());
}

hearth_status hearth_request_params_init(hearth_request_params* params, size_t size) {
  return init_sized(params, size, request_defaults());
}

hearth_status hearth_engine_create(const hearth_model* model, const hearth_engine_params* params,
                                   hearth_engine** out_engine) {
  return guarded([&] {
    require(model, "model");
    require(out_engine, "out_engine");
    if (!model->weights) invalid("the model has no weights (loaded vocab_only?)");
    const hearth_engine_params p = read_sized(params, engine_defaults(), "params");
    hearth::engine::EngineParams ep;
    ep.n_ctx = p.n_ctx;
    ep.n_threads = p.n_threads;
    ep.kv_blocks = p.kv_blocks;
    ep.max_running = p.max_running;
    ep.token_budget = p.token_budget;
    ep.max_decode_stall = p.max_decode_stall;
    auto e = std::make_unique<hearth_engine>();
    e->engine = std::make_unique<hearth::engine::Engine>(model->weights, ep);
    e->tokenizer = model->tokenizer;
    *out_engine = e.release();
    return HEARTH_OK;
  });
}

hearth_status hearth_engine_submit(hearth_engine* engine, const hearth_request_params* params,
                                   hearth_request** out_request) {
  return guarded([&] {
    require(engine, "engine");
    require(params, "params");
    require(out_request, "out_request");
    const hearth_request_params p = read_sized(params, request_defaults(), "params");
    hearth::engine::RequestOptions o;
    const bool has_tokens = p.n_tokens > 0, has_text = p.prompt != nullptr,
               has_json = p.messages_json != nullptr, has_messages = p.n_messages > 0 || has_json;
    if (int(has_tokens) + int(has_text) + int(p.n_messages > 0) + int(has_json) != 1)
      invalid("give the prompt as tokens, as text, as messages or as messages_json (exactly one)");
    if (p.tools_json && !has_messages)
      invalid("params->tools_json needs params->messages or params->messages_json");
    const hearth::toolcall::ToolRequest tools = hearth::toolcall::parse_tool_request(
        p.tools_json ? p.tools_json : "", p.tool_choice ? p.tool_choice : "", p.max_tool_calls);
    hearth::toolcall::ToolFormat tool_format{};  // set with the prompt when tools are offered
    if (has_messages) {
      std::vector<hearth::tmpl::ChatMessage> messages;
      if (has_json) {  // OpenAI's shape: earlier tool calls and results included
        messages = hearth::toolcall::parse_chat_messages(p.messages_json);
      } else {
        require(p.messages, "params->messages");
        for (size_t i = 0; i < p.n_messages; ++i) {
          const hearth_chat_message& m = p.messages[i];
          if (!m.role || !m.content)
            invalid(fmt::format("params->messages[{}] has a NULL field", i));
          messages.push_back({m.role, m.content});
        }
      }
      if (p.filter)
        for (const auto& m : messages)
          if (m.role == "user") hearth::capi::screen_input(p.filter, m.content);
      // Tools, or earlier calls and results (messages_json), render as the server renders them.
      if (tools.offered() || has_json) {
        hearth::toolcall::ToolChatPrompt tp = hearth::toolcall::tool_chat_prompt(
            engine->engine->model(), messages, tools.tools, tools.choice);
        o.prompt = std::move(tp.tokens);
        tool_format = tp.how.format;
      } else {
        o.prompt = hearth::engine::chat_prompt_tokens(engine->engine->model(), messages);
      }
    } else if (has_tokens) {
      require(p.tokens, "params->tokens");
      o.prompt.assign(p.tokens, p.tokens + p.n_tokens);
      if (p.filter && engine->tokenizer)
        hearth::capi::screen_input(p.filter, engine->tokenizer->decode(o.prompt));
    } else {
      const std::string text(p.prompt, p.prompt_len);
      if (!hearth::tmpl::utf8_valid(text)) invalid("params->prompt is not valid UTF-8");
      if (!engine->tokenizer) invalid("the model has no tokenizer: give the prompt as tokens");
      hearth::capi::screen_input(p.filter, text);
      o.prompt = engine->tokenizer->encode(text, true, false);
    }
    o.max_tokens = p.max_tokens;
    if (p.sampler) o.sampler = hearth::capi::to_sampler_config(p.sampler);
    if (p.n_stop_strings > 0) require(p.stop_strings, "params->stop_strings");
    for (size_t i = 0; i < p.n_stop_strings; ++i) {
      if (!p.stop_strings[i]) invalid(fmt::format("params->stop_strings[{}] is NULL", i));
      o.stop_strings.emplace_back(p.stop_strings[i]);
    }
    if (p.tenant) o.tenant = p.tenant;
    o.deadline_ms = p.deadline_ms;
    o.output_screen = hearth::capi::output_screen(p.filter);
    std::shared_ptr<hearth::capi::TextTap> tap;
    if (tools.offered()) {
      hearth::toolcall::apply_tool_grammar(tools, tool_format, o.sampler);
      tap = std::make_shared<hearth::capi::TextTap>(std::move(o.output_screen));
      o.output_screen = tap;
    }
    if (p.on_piece) {
      const hearth_piece_fn fn = p.on_piece;
      void* const user = p.user_data;
      o.on_piece = [fn, user](int token, const std::string& text) {
        fn(text.c_str(), text.size(), token, user);
      };
    }
    auto r = std::make_unique<hearth_request>();
    r->owner = engine;
    r->tool_tap = std::move(tap);
    r->tool_format = tool_format;
    r->tool_names = tools.names();
    r->req = engine->engine->submit(std::move(o));
    {
      std::lock_guard<std::mutex> lock(g_live_mu);
      g_live.insert(r.get());
    }
    *out_request = r.release();
    return HEARTH_OK;
  });
}

hearth_status hearth_request_next(hearth_request* request, char* buf, size_t capacity,
                                  size_t* out_len, int32_t timeout_ms, int* out_finished) {
  return guarded([&] {
    require(request, "request");
    require(out_len, "out_len");
    require(out_finished, "out_finished");
    hearth::engine::Request& r = *request->req;
    std::unique_lock<std::mutex> lock(r.mu);
    auto ready = [&] {
      return !r.pieces.empty() || r.reason != hearth::engine::FinishReason::kNone;
    };
    if (timeout_ms < 0)
      r.cv.wait(lock, ready);
    else
      r.cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), ready);
    if (r.pieces.empty()) {
      *out_len = 0;
      *out_finished = r.reason != hearth::engine::FinishReason::kNone;
      return HEARTH_OK;
    }
    const hearth_status st = hearth::capi::write_text(r.pieces.front(), buf, capacity, out_len);
    if (st == HEARTH_OK) r.pieces.pop_front();  // too small: the piece stays queued
    *out_finished = 0;
    return st;
  });
}

hearth_status hearth_request_wait(hearth_request* request, int32_t timeout_ms, int* out_finished) {
  return guarded([&] {
    require(request, "request");
    require(out_finished, "out_finished");
    *out_finished = request->req->wait(timeout_ms) ? 1 : 0;
    return HEARTH_OK;
  });
}

hearth_status hearth_request_cancel(hearth_request* request) {
  return guarded([&] {
    require_live(request);
    if (request->req->done()) invalid("the request already finished");
    if (!request->owner->engine->cancel(request->req)) invalid("the request already finished");
    return HEARTH_OK;
  });
}

hearth_status hearth_request_result(const hearth_request* request, hearth_request_outcome* out) {
  return guarded([&] {
    require(request, "request");
    hearth_request_outcome v{};
    const hearth::engine::Request& r = *request->req;
    {
      std::lock_guard<std::mutex> lock(r.mu);
      v.finish_reason = static_cast<int32_t>(r.reason);
      v.prompt_tokens = r.usage.prompt_tokens;
      v.cached_prompt_tokens = r.usage.cached_prompt_tokens;
      v.generated_tokens = static_cast<int32_t>(r.tokens.size());
      v.queue_ms = r.timings.queue_ms;
      v.first_token_ms = r.timings.first_token_ms;
      // The string lives as long as the request (set once, before it finished).
      v.filter_category = r.reason == hearth::engine::FinishReason::kContentFilter
                              ? r.blocked_category.c_str()
                              : nullptr;
    }
    write_sized(out, v, "out");
    return HEARTH_OK;
  });
}

hearth_status hearth_request_tool_calls(const hearth_request* request, char* buf, size_t capacity,
                                        size_t* out_len) {
  return guarded([&] {
    require(request, "request");
    require(out_len, "out_len");
    if (!request->req->done()) invalid("the request has not finished");
    const hearth_request& r = *request;
    std::lock_guard<std::mutex> lock(r.tool_mu);
    if (r.tool_calls.empty()) {
      r.tool_calls = "[]";
      if (r.tool_tap)
        r.tool_calls = hearth::toolcall::openai_tool_calls(
            hearth::toolcall::parse_tool_reply(r.tool_tap->text(), r.tool_format, r.tool_names),
            r.tool_format);
    }
    return hearth::capi::write_text(r.tool_calls, buf, capacity, out_len);
  });
}

void hearth_request_free(hearth_request* request) {
  if (!request) return;
  {
    std::lock_guard<std::mutex> lock(g_live_mu);
    g_live.erase(request);
  }
  // A request still running has a live engine (freeing the engine finishes every request).
  if (!request->req->done()) request->owner->engine->cancel(request->req);
  delete request;
}

hearth_status hearth_engine_stats(const hearth_engine* engine, hearth_engine_stats_info* out) {
  return guarded([&] {
    require(engine, "engine");
    const hearth::engine::EngineStats s = engine->engine->stats();
    hearth_engine_stats_info v{};
    v.running = s.running;
    v.waiting = s.waiting;
    v.blocks_total = s.blocks_total;
    v.blocks_used = s.blocks_used;
    v.blocks_cached = s.blocks_cached;
    v.tokens_processed = s.tokens_processed;
    v.steps = s.steps;
    v.preemptions = s.preemptions;
    write_sized(out, v, "out");
    return HEARTH_OK;
  });
}

void hearth_engine_free(hearth_engine* engine) {
  delete engine;
}

}  // extern "C"

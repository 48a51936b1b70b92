// hearth_session_*: chat sessions (src/session/) behind the C ABI.
//
// A cancelled hearth_session_generate returns HEARTH_ERR_CANCELLED, fills *result
// (stop_reason 3) and leaves the conversation as it was before the call (the partial reply is
// not appended; its evaluated tokens stay in the KV cache for the next turn to reuse).

#include "capi_generate_options.hpp"
#include "capi_internal.hpp"
#include "generate/generate.hpp"
#include "session/session.hpp"
#include "toolcall/session_tools.hpp"

struct hearth_session {
  std::unique_ptr<hearth::Session> session;
  std::string tool_calls = "[]";  // of the last reply (hearth_session_tool_calls)
};

using namespace hearth::capi;

// For capi_crypto.cpp (encrypted save/load), which cannot see struct hearth_session.
namespace hearth::capi {
hearth::Session* session_impl(const hearth_session* s);
hearth::Session* session_impl(const hearth_session* s) { return s ? s->session.get() : nullptr; }
}  // namespace hearth::capi

namespace {

hearth::Session& session_of(hearth_session* s) {
  require(s, "session");
  return *s->session;
}

}  // namespace

hearth_session_params hearth::capi::session_params_defaults() {
  hearth_session_params p{};
  p.struct_size = sizeof p;
  p.context = nullptr;  // the defaults of hearth_context_params_init
  p.chat_template = nullptr;
  p.prompt_cache_bytes = 0;
  return p;
}

extern "C" {


HEARTH_API hearth_status hearth_session_params_init(hearth_session_params* params, size_t size) {
  return init_sized(params, size, session_params_defaults());
}

HEARTH_API hearth_status hearth_session_new(const hearth_model* model,
                                            const hearth_session_params* params,
                                            hearth_session** out) {
  return guarded([&] {
    require(model, "model");
    require(out, "out");
    const auto p = read_sized(params, session_params_defaults(), "params");
    const auto c = read_sized(p.context, context_params_defaults(), "params->context");
    if (!model->weights)
      invalid("the model has no weights (loaded with vocab_only, or a vocabulary-only file)");
    hearth::SessionParams sp;
    sp.context.n_ctx = c.n_ctx;
    sp.context.n_threads = c.n_threads;
    sp.context.n_batch = c.n_batch;
    if (p.chat_template) sp.chat_template = p.chat_template;
    sp.prompt_cache_bytes = p.prompt_cache_bytes;
    auto s = std::make_unique<hearth_session>();
    s->session = std::make_unique<hearth::Session>(model->weights, sp);
    *out = s.release();
    return HEARTH_OK;
  });
}

HEARTH_API void hearth_session_free(hearth_session* session) {
  delete session;
}

HEARTH_API hearth_status hearth_session_add_message(hearth_session* session, const char* role,
                                                    const char* content) {
  return guarded([&] {
    hearth::Session& s = session_of(session);
    require(role, "role");
    require(content, "content");
    s.add_message(role, content);
    return HEARTH_OK;
  });
}

HEARTH_API hearth_status hearth_session_generate(hearth_session* session,
                                                 const hearth_generate_params* params,
                                                 hearth_generation_result* result) {
  return guarded([&] {
    hearth::Session& s = session_of(session);
    if (result) require_out_struct(result, "result");
    const hearth::toolcall::ToolRequest tools = generate_tool_request(params);
    session->tool_calls = "[]";
    const hearth::GenerateOptions options = to_generate_options(params, true);
    // Without tools this is s.generate(options).
    const hearth::toolcall::SessionToolReply tr =
        hearth::toolcall::generate_with_tools(s, tools, options);
    session->tool_calls = tr.calls_json;
    const hearth::SessionReply& reply = tr.reply;
    const hearth::GenerateResult& r = reply.result;
    return report_generation(r, result);
  });
}

HEARTH_API hearth_status hearth_session_tool_calls(const hearth_session* session, char* buf,
                                                   size_t capacity, size_t* out_len) {
  return guarded([&] {
    require(session, "session");
    require(out_len, "out_len");
    return write_text(session->tool_calls, buf, capacity, out_len);
  });
}

HEARTH_API hearth_status hearth_session_cancel(hearth_session* session) {
  return guarded([&] {
    if (!session_of(session).cancel()) return nothing_running("hearth_session_cancel");
    return HEARTH_OK;
  });
}

HEARTH_API hearth_status hearth_session_reset(hearth_session* session) {
  return guarded([&] {
    session_of(session).reset();
    return HEARTH_OK;
  });
}

HEARTH_API hearth_status hearth_session_save(const hearth_session* session, const char* path) {
  return guarded([&] {
    require(session, "session");
    require(path, "path");
    session->session->save(path);
    return HEARTH_OK;
  });
}

HEARTH_API hearth_status hearth_session_load(hearth_session* session, const char* path) {
  return guarded([&] {
    hearth::Session& s = session_of(session);
    require(path, "path");
    s.load(path);
    return HEARTH_OK;
  });
}

}  // extern "C"

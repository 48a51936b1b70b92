// Header-only C++17 wrapper over the stable C ABI (capi/hearth.h): RAII handles and exceptions.
// Use this from C++ programs that link the shared libhearth (Hearth::hearth). It covers the
// whole C ABI: models, tokenizer, chat templates, contexts, sessions, the engine, conversion.
#pragma once

#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "hearth.h"

namespace hearth::api {

class Exception : public std::runtime_error {
 public:
  Exception(hearth_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  hearth_status status() const noexcept { return status_; }

 private:
  hearth_status status_;
};

inline void check(hearth_status status) {
  if (status != HEARTH_OK) throw Exception(status, hearth_last_error());
}

class Model {
 public:
  explicit Model(const std::string& path, const hearth_model_params* params = nullptr) {
    hearth_model* raw = nullptr;
    check(hearth_model_load(path.c_str(), params, &raw));
    handle_.reset(raw);
  }
  const hearth_model* get() const noexcept { return handle_.get(); }

  std::string architecture() const { return c_str_query(&hearth_model_architecture); }
  std::string file_type() const { return c_str_query(&hearth_model_file_type); }
  uint64_t n_params() const {
    uint64_t n = 0;
    check(hearth_model_n_params(get(), &n));
    return n;
  }
  int32_t vocab_size() const {
    int32_t n = 0;
    check(hearth_model_vocab_size(get(), &n));
    return n;
  }
  int32_t context_length() const {
    int32_t n = 0;
    check(hearth_model_context_length(get(), &n));
    return n;
  }
  std::string metadata(const std::string& key) const {
    size_t len = 0;
    hearth_status s = hearth_model_meta_string(get(), key.c_str(), nullptr, 0, &len);
    if (s != HEARTH_ERR_BUFFER_TOO_SMALL) check(s);
    std::string out(len + 1, '\0');
    check(hearth_model_meta_string(get(), key.c_str(), out.data(), out.size(), &len));
    out.resize(len);
    return out;
  }

 private:
  std::string c_str_query(hearth_status (*fn)(const hearth_model*, const char**)) const {
    const char* s = nullptr;
    check(fn(get(), &s));
    return s;
  }
  struct Deleter {
    void operator()(hearth_model* m) const noexcept { hearth_model_free(m); }
  };
  std::unique_ptr<hearth_model, Deleter> handle_;
};

// ---------------------------------------------------------------- everything else of hearth.h

inline std::string version() { return hearth_version(); }
inline std::string system_info() { return hearth_system_info(); }
// Routes the library's diagnostics to `fn` (nullptr: silent). fn must outlive its use.
inline void set_log(hearth_log_fn fn, void* user_data = nullptr) { hearth_log_set(fn, user_data); }

inline hearth_cpu_info cpu_info() {
  hearth_cpu_info info{};
  info.struct_size = sizeof info;
  check(hearth_cpu_info_get(&info));
  return info;
}

// Defaults of a params struct through its size-safe init, e.g. params(hearth_context_params_init).
template <typename T>
T params(hearth_status (*init)(T*, size_t)) {
  T p;
  check(init(&p, sizeof p));
  return p;
}

namespace detail {
template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const noexcept { Free(p); }
};
template <typename T, void (*Free)(T*)>
using Handle = std::unique_ptr<T, Deleter<T, Free>>;

// The buffer convention of hearth.h: ask for the length, then fill.
template <typename Fn>
std::string read_text(Fn&& fn) {
  size_t len = 0;
  const hearth_status s = fn(nullptr, 0, &len);
  if (s != HEARTH_ERR_BUFFER_TOO_SMALL) check(s);
  std::string out(len + 1, '\0');
  check(fn(out.data(), out.size(), &len));
  out.resize(len);
  return out;
}
}  // namespace detail

inline std::vector<hearth_token> tokenize(const Model& m, const std::string& text,
                                          bool add_special = true, bool parse_special = false) {
  size_t n = 0;
  hearth_status s =
      hearth_tokenize(m.get(), text.data(), text.size(), add_special, parse_special, nullptr, 0, &n);
  if (s != HEARTH_ERR_BUFFER_TOO_SMALL) check(s);
  std::vector<hearth_token> out(n);
  check(hearth_tokenize(m.get(), text.data(), text.size(), add_special, parse_special, out.data(),
                        out.size(), &n));
  out.resize(n);
  return out;
}

inline std::string detokenize(const Model& m, const std::vector<hearth_token>& tokens,
                              bool remove_special = true) {
  return detail::read_text([&](char* b, size_t c, size_t* n) {
    return hearth_detokenize(m.get(), tokens.data(), tokens.size(), remove_special, b, c, n);
  });
}

struct Message {
  std::string role, content;
};

// The model's chat template (tmpl empty) or `tmpl` applied to `messages`.
inline std::string apply_chat_template(const Model* m, const std::vector<Message>& messages,
                                       bool add_generation_prompt = true,
                                       const std::string& tmpl = {}) {
  std::vector<hearth_chat_message> raw;
  for (const auto& msg : messages) raw.push_back({msg.role.c_str(), msg.content.c_str()});
  return detail::read_text([&](char* b, size_t c, size_t* n) {
    return hearth_chat_template_apply(m ? m->get() : nullptr, tmpl.empty() ? nullptr : tmpl.c_str(),
                                      raw.data(), raw.size(), add_generation_prompt, nullptr,
                                      nullptr, b, c, n);
  });
}

// Streaming callback of generate(): return false to stop (the call then throws
// Exception(HEARTH_ERR_CANCELLED)).
using TokenFn = std::function<bool(hearth_token token, const std::string& text)>;

namespace detail {
inline int token_trampoline(const hearth_generation_event* ev, void* user) {
  auto& fn = *static_cast<TokenFn*>(user);
  return fn(ev->token, std::string(ev->text, ev->text_len)) ? 0 : 1;
}
// gp with on_token pointing at `fn` when it is set.
inline hearth_generate_params with_callback(hearth_generate_params gp, TokenFn* fn) {
  if (fn && *fn) {
    gp.on_token = &token_trampoline;
    gp.user_data = fn;
  }
  return gp;
}
}  // namespace detail

class Context {
 public:
  explicit Context(const Model& m, const hearth_context_params* p = nullptr) {
    hearth_context* raw = nullptr;
    check(hearth_context_new(m.get(), p, &raw));
    h_.reset(raw);
  }
  hearth_context* get() const noexcept { return h_.get(); }
  void decode(const std::vector<hearth_token>& t) { check(hearth_decode(get(), t.data(), t.size())); }
  std::vector<float> logits() const {
    const float* l = nullptr;
    int32_t n = 0;
    check(hearth_logits(get(), &l, &n));
    return std::vector<float>(l, l + n);
  }
  int32_t n_past() const {
    int32_t n = 0;
    check(hearth_context_n_past(get(), &n));
    return n;
  }
  void truncate(int32_t n_keep) { check(hearth_context_truncate(get(), n_keep)); }
  void set_threads(int32_t n) { check(hearth_context_set_threads(get(), n)); }
  // Any thread: true when a call was running (it stops), false when nothing was.
  bool cancel() { return cancel_status(hearth_context_cancel(get())); }
  hearth_generation_result generate(const std::vector<hearth_token>& prompt,
                                    hearth_generate_params gp, TokenFn on_token = {}) {
    hearth_generation_result r{};
    r.struct_size = sizeof r;
    gp = detail::with_callback(gp, &on_token);
    check(hearth_generate(get(), prompt.data(), prompt.size(), &gp, &r));
    return r;
  }

  static bool cancel_status(hearth_status s) {
    if (s == HEARTH_ERR_NOTHING_RUNNING) return false;
    check(s);
    return true;
  }

 private:
  detail::Handle<hearth_context, &hearth_context_free> h_;
};

class Session {
 public:
  explicit Session(const Model& m, const hearth_session_params* p = nullptr) {
    hearth_session* raw = nullptr;
    check(hearth_session_new(m.get(), p, &raw));
    h_.reset(raw);
  }
  hearth_session* get() const noexcept { return h_.get(); }
  void add_message(const std::string& role, const std::string& content) {
    check(hearth_session_add_message(get(), role.c_str(), content.c_str()));
  }
  hearth_generation_result generate(hearth_generate_params gp, TokenFn on_token = {}) {
    hearth_generation_result r{};
    r.struct_size = sizeof r;
    gp = detail::with_callback(gp, &on_token);
    check(hearth_session_generate(get(), &gp, &r));
    return r;
  }
  bool cancel() { return Context::cancel_status(hearth_session_cancel(get())); }
  void reset() { check(hearth_session_reset(get())); }
  void save(const std::string& path) const { check(hearth_session_save(get(), path.c_str())); }
  void load(const std::string& path) { check(hearth_session_load(get(), path.c_str())); }

 private:
  detail::Handle<hearth_session, &hearth_session_free> h_;
};

class Request {
 public:
  explicit Request(hearth_request* raw) : h_(raw) {}
  hearth_request* get() const noexcept { return h_.get(); }
  // Pull mode: the next piece of text; false once the request ended and every piece was taken
  // (or, with timeout_ms >= 0, when it passed: check finished()).
  bool next(std::string* piece, int32_t timeout_ms = -1) {
    size_t len = 0;
    int finished = 0;
    hearth_status s = hearth_request_next(get(), buf_.data(), buf_.size(), &len, timeout_ms, &finished);
    if (s == HEARTH_ERR_BUFFER_TOO_SMALL) {
      buf_.resize(len + 1);
      s = hearth_request_next(get(), buf_.data(), buf_.size(), &len, timeout_ms, &finished);
    }
    check(s);
    if (len == 0) return false;
    piece->assign(buf_.data(), len);
    return true;
  }
  std::string text() {
    std::string all, piece;
    while (next(&piece)) all += piece;
    return all;
  }
  bool wait(int32_t timeout_ms = -1) {
    int finished = 0;
    check(hearth_request_wait(get(), timeout_ms, &finished));
    return finished != 0;
  }
  bool finished() { return wait(0); }
  // False when it had already finished.
  bool cancel() {
    const hearth_status s = hearth_request_cancel(get());
    if (s == HEARTH_ERR_INVALID_ARGUMENT && finished()) return false;
    check(s);
    return true;
  }
  hearth_request_outcome result() const {
    hearth_request_outcome o{};
    o.struct_size = sizeof o;
    check(hearth_request_result(get(), &o));
    return o;
  }
  hearth_finish_reason finish_reason() const {
    return static_cast<hearth_finish_reason>(result().finish_reason);
  }

 private:
  detail::Handle<hearth_request, &hearth_request_free> h_;
  std::vector<char> buf_ = std::vector<char>(256);
};

class Engine {
 public:
  explicit Engine(const Model& m, const hearth_engine_params* p = nullptr) {
    hearth_engine* raw = nullptr;
    check(hearth_engine_create(m.get(), p, &raw));
    h_.reset(raw);
  }
  hearth_engine* get() const noexcept { return h_.get(); }
  Request submit(const hearth_request_params& p) {
    hearth_request* raw = nullptr;
    check(hearth_engine_submit(get(), &p, &raw));
    return Request(raw);
  }
  // A text prompt, greedy unless `sampler` is given.
  Request submit(const std::string& prompt, int32_t max_tokens,
                 const hearth_sampler_params* sampler = nullptr) {
    hearth_request_params p = params(&hearth_request_params_init);
    p.prompt = prompt.c_str();
    p.prompt_len = prompt.size();
    p.max_tokens = max_tokens;
    p.sampler = sampler;
    return submit(p);
  }
  hearth_engine_stats_info stats() const {
    hearth_engine_stats_info s{};
    s.struct_size = sizeof s;
    check(hearth_engine_stats(get(), &s));
    return s;
  }

 private:
  detail::Handle<hearth_engine, &hearth_engine_free> h_;
};

inline void convert(const hearth_convert_params& p) { check(hearth_convert(&p)); }
inline void quantize(const std::string& in, const std::string& out, const std::string& type) {
  check(hearth_quantize(in.c_str(), out.c_str(), type.c_str(), nullptr, nullptr));
}

}  // namespace hearth::api

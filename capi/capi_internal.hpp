// Internal helpers of the C ABI: handle definitions, error storage, the exception barrier.
#pragma once

#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "hearth.h"
#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "hearth/model.hpp"
#include "hearth/tokenizer.hpp"

struct hearth_model {
  std::shared_ptr<const hearth::GgufFile> gguf;
  std::string architecture;
  std::string file_type;
  uint64_t n_params = 0;
  int32_t context_length = 0;
  int32_t vocab_size = 0;
  // The weights (null for vocab_only loads and files without tensors, e.g. vocabulary files).
  std::shared_ptr<const hearth::Model> weights;
  // Null when the file has no tokenizer.ggml.* metadata.
  std::shared_ptr<const hearth::Tokenizer> tokenizer;
  std::string tokenizer_error;  // why `tokenizer` is null, when it is
};

namespace hearth::capi {

void set_last_error(const std::string& message);
void clear_last_error();
const char* last_error_c_str();
hearth_status to_c_status(Status status);

// Copies `text` into a caller buffer following the buffer convention of hearth.h.
hearth_status write_text(const std::string& text, char* buf, size_t capacity, size_t* out_len);

// Runs `body` (returning hearth_status) and converts any exception into a status + message.
template <typename Body>
hearth_status guarded(Body&& body) noexcept {
  try {
    clear_last_error();
    return body();
  } catch (const Error& e) {
    set_last_error(e.what());
    return to_c_status(e.status());
  } catch (const std::bad_alloc&) {
    set_last_error("out of memory");
    return HEARTH_ERR_OUT_OF_MEMORY;
  } catch (const std::exception& e) {
    set_last_error(std::string("internal error: ") + e.what());
    return HEARTH_ERR_INTERNAL;
  } catch (...) {
    set_last_error("internal error: unknown exception");
    return HEARTH_ERR_INTERNAL;
  }
}

[[noreturn]] inline void invalid(const std::string& message) {
  throw Error(Status::kInvalidArgument, message);
}

template <typename T>
void require(const T* p, const char* name) {
  if (!p) invalid(std::string(name) + " is NULL");
}

// The size-safe struct convention of hearth.h. A struct begins with `size_t struct_size`, the
// size of the caller's struct (its header's sizeof): the library reads and writes only the
// fields inside it, so a caller built against an older (smaller) or newer (larger) header works.

// hearth_<x>_params_init: `defaults`, but only `size` bytes written (bytes past our struct: 0).
template <typename T>
hearth_status init_sized(T* params, size_t size, const T& defaults) noexcept {
  return guarded([&] {
    require(params, "params");
    if (size < sizeof(size_t))
      invalid("params size " + std::to_string(size) + " cannot hold struct_size");
    std::memset(static_cast<void*>(params), 0, size);
    std::memcpy(static_cast<void*>(params), &defaults, size < sizeof(T) ? size : sizeof(T));
    params->struct_size = size;
    return HEARTH_OK;
  });
}

// The caller's fields over `defaults`: only those inside its struct_size are read; an older
// caller's missing fields keep their defaults, a newer caller's extra fields are ignored.
// params NULL: the defaults.
template <typename T>
T read_sized(const T* params, const T& defaults, const char* name) {
  T p = defaults;
  if (!params) return p;
  if (params->struct_size < sizeof(size_t))
    invalid(std::string(name) + "->struct_size is invalid (call the _params_init function)");
  std::memcpy(static_cast<void*>(&p), params,
              params->struct_size < sizeof(T) ? params->struct_size : sizeof(T));
  p.struct_size = sizeof(T);
  return p;
}

// Checks a caller's output struct before any work: non-NULL and a usable struct_size.
template <typename T>
void require_out_struct(const T* out, const char* name) {
  require(out, name);
  if (out->struct_size < sizeof(size_t))
    invalid(std::string(name) + "->struct_size is invalid (set it to sizeof the struct)");
}

// Writes `value` to a caller's output struct of out->struct_size bytes (no more, no fewer than
// we have: bytes past our struct are left alone).
template <typename T>
void write_sized(T* out, T value, const char* name) {
  require_out_struct(out, name);
  const size_t n = out->struct_size < sizeof(T) ? out->struct_size : sizeof(T);
  value.struct_size = out->struct_size;
  std::memcpy(static_cast<void*>(out), &value, n);
}

// A _cancel that found no call running: HEARTH_ERR_NOTHING_RUNNING with a message.
inline hearth_status nothing_running(const char* fn) {
  set_last_error(std::string(fn) + ": nothing was running (the cancel is not kept)");
  return HEARTH_ERR_NOTHING_RUNNING;
}

// Defaults of each params struct (the values hearth_<x>_params_init writes).
hearth_model_params model_params_defaults();
hearth_context_params context_params_defaults();
hearth_sampler_params sampler_params_defaults();
hearth_generate_params generate_params_defaults();
hearth_session_params session_params_defaults();
hearth_convert_params convert_params_defaults();

}  // namespace hearth::capi

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

// Checks a caller's params struct: non-NULL and struct_size no larger than ours.
template <typename T>
void require_params(const T* p, const char* name) {
  require(p, name);
  if (p->struct_size == 0 || p->struct_size > sizeof(T))
    invalid(std::string(name) + "->struct_size is invalid (call the _params_init function)");
}

// The caller's params struct over the defaults of `init`: an older (smaller) struct keeps the
// defaults of the fields it does not have. params NULL: the defaults.
template <typename T>
T copy_params(const T* params, void (*init)(T*), const char* name) {
  T p;
  init(&p);
  if (params) {
    require_params(params, name);
    std::memcpy(&p, params, params->struct_size);
    p.struct_size = sizeof(T);
  }
  return p;
}

}  // namespace hearth::capi

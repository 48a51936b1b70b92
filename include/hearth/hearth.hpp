// Header-only C++17 wrapper over the stable C ABI (capi/hearth.h): RAII handles and exceptions.
// Use this from C++ programs that link the shared libhearth (Hearth::hearth).
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

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

}  // namespace hearth::api

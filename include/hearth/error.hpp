// hearth::Error — the one exception type the C++ core throws.
// The C ABI (capi/) converts it into a hearth_status code plus hearth_last_error().
#pragma once

#include <stdexcept>
#include <string>

namespace hearth {

// Mirrors hearth_status in capi/hearth.h; values are part of the stable ABI.
enum class Status : int {
  kOk = 0,
  kInvalidArgument = 1,  // a NULL handle, a bad parameter value
  kIoError = 2,          // file cannot be opened, read, written
  kInvalidModel = 3,     // corrupt, truncated or inconsistent model file
  kUnsupported = 4,      // valid input we do not implement (architecture, tensor type)
  kOutOfMemory = 5,
  kContextFull = 6,      // no room left in the KV cache
  kCancelled = 7,        // a callback or another thread asked to stop
  kInternal = 8,         // a bug in hearth
  kTemplateError = 9,    // a chat template failed to parse or raised an exception
  // 10, 11: C ABI only (buffer too small, nothing running)
  kContentFiltered = 12,  // the content-safety filter blocked the input
};

class Error : public std::runtime_error {
 public:
  Error(Status status, const std::string& message) : std::runtime_error(message), status_(status) {}
  Status status() const noexcept { return status_; }

 private:
  Status status_;
};

[[noreturn]] inline void fail(Status status, const std::string& message) {
  throw Error(status, message);
}

}  // namespace hearth

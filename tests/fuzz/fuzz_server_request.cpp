// libFuzzer target: any bytes as the body of POST /v1/chat/completions and /v1/completions must
// parse into GenerationParams or fail with server::ApiError (400, naming the parameter) — never
// crash, hang, leak or throw anything else, whatever the nesting, types or UTF-8.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "server/api_error.hpp"
#include "server/request_params.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  try {
    const nlohmann::json j = hearth::server::parse_json_body(body);
    try {
      (void)hearth::server::parse_chat_request(j);
    } catch (const hearth::server::ApiError& e) {
      if (e.status != 400) std::abort();
    }
    try {
      (void)hearth::server::parse_completion_request(j);
    } catch (const hearth::server::ApiError& e) {
      if (e.status != 400) std::abort();
    }
  } catch (const hearth::server::ApiError& e) {
    if (e.status != 400) std::abort();
  }
  return 0;
}

// ApiError — a failure that becomes an HTTP status and OpenAI's error envelope
//   {"error": {"message", "type", "param", "code"}}
// Every stage of the request pipeline throws it; the pipeline turns it into the response, so
// a handler never writes error bodies itself.
#pragma once

#include <map>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace hearth::server {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string message, std::string param = {}, std::string code = {})
      : std::runtime_error(message),
        status(status),
        param(std::move(param)),
        code(std::move(code)) {}

  int status;
  std::string param;  // the request field at fault ("" when none)
  std::string code;   // machine-readable reason ("" gives a default per status)
  std::map<std::string, std::string> headers;  // e.g. Retry-After
};

// OpenAI's "type" for a status: invalid_request_error, authentication_error, ...
const char* error_type(int status);
// The envelope; `code` empty gives the status's default code.
nlohmann::json error_body(int status, const std::string& message, const std::string& param,
                          const std::string& code);
inline nlohmann::json error_body(const ApiError& e) {
  return error_body(e.status, e.what(), e.param, e.code);
}

// JSON text for responses: invalid UTF-8 (a model's partial byte pieces) is replaced, never
// thrown, so no output can make a response fail half-way.
std::string dump_json(const nlohmann::json& j);

}  // namespace hearth::server

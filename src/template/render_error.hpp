// The error a template raises while it renders. It carries no line: the evaluator knows which
// node it was evaluating and turns it into hearth::Error(kTemplateError, "... line N ...").
#pragma once

#include <stdexcept>
#include <string>

#include "hearth/error.hpp"

namespace hearth::tmpl {

class RenderError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void render_fail(const std::string& message) {
  throw RenderError(message);
}

// The error the public interface throws: "chat template error (line N): message".
[[noreturn]] inline void template_fail(int line, const std::string& message) {
  throw Error(Status::kTemplateError,
              "chat template error (line " + std::to_string(line) + "): " + message);
}

}  // namespace hearth::tmpl

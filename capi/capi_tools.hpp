// Tool calling behind the C ABI (docs/tools.md): the tap that keeps an engine request's
// delivered text so that hearth_request_tool_calls can read the calls once it finished. The
// tools themselves are parsed and turned into a grammar by src/toolcall/tool_request.hpp.
// Internal.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "engine/output_screen.hpp"

namespace hearth::capi {

// An engine request's output screen that keeps every piece of text it lets through (after the
// content filter `inner`, when there is one). feed/finish run on the engine thread; text() on
// any thread.
class TextTap : public engine::OutputScreen {
 public:
  explicit TextTap(std::shared_ptr<engine::OutputScreen> inner) : inner_(std::move(inner)) {}
  Step feed(std::string_view text) override;
  Step finish() override;
  std::string text() const;

 private:
  Step keep(Step s);
  std::shared_ptr<engine::OutputScreen> inner_;
  mutable std::mutex mu_;
  std::string text_;
};

}  // namespace hearth::capi

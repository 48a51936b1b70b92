// OutputScreen — a hook that screens a request's output text before the caller sees it (the
// content-safety filter plugs in here through safety/engine_screen.hpp). The engine knows only
// this interface, so src/safety/ depends on the engine and never the reverse.
//
// The engine feeds every piece of final text (after stop strings) to feed(), delivers only
// what the screen releases, and calls finish() when the request ends for any reason other than
// cancellation. A screen that blocks ends the request with FinishReason::kContentFilter; nothing
// it did not release is ever delivered. Called on the engine thread only, one screen per
// request: implementations need not be thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace hearth::engine {

class OutputScreen {
 public:
  struct Step {
    std::string release;   // text that may be delivered now
    bool blocked = false;  // true: deliver `release`, then end the request
    std::string category;  // when blocked: why (a rule category; never the text itself)
  };
  virtual ~OutputScreen() = default;
  virtual Step feed(std::string_view text) = 0;
  virtual Step finish() = 0;
};

}  // namespace hearth::engine

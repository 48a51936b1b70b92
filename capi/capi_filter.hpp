// The C ABI's filter handle and the helpers that apply it to engine requests (internal).
#pragma once

#include <memory>
#include <string>

#include "engine/output_screen.hpp"
#include "hearth.h"
#include "safety/filter.hpp"

struct hearth_filter {
  std::shared_ptr<const hearth::safety::ContentFilter> filter;
};

namespace hearth::capi {

// A fresh screen for one request's output; null without a filter.
std::shared_ptr<engine::OutputScreen> output_screen(const hearth_filter* filter);
// Throws Error(kContentFiltered) naming the category when the filter blocks `text`.
void screen_input(const hearth_filter* filter, const std::string& text);

}  // namespace hearth::capi

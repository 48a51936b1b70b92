// The content filter as the engine's OutputScreen: one OutputGuard per request, keeping its
// filter alive for as long as the request may still run.
#pragma once

#include <memory>

#include "engine/output_screen.hpp"
#include "safety/filter.hpp"

namespace hearth::safety {

// nullptr when the filter is null or its level is off with no policy (nothing to screen).
std::shared_ptr<engine::OutputScreen> make_output_screen(
    std::shared_ptr<const ContentFilter> filter);

}  // namespace hearth::safety

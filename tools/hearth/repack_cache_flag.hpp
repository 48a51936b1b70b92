// --repack-cache DIR, accepted by every command that loads a model (run, chat, bench, batch,
// serve): the cache of repacked weights (docs/performance.md, "Load"), handed to the library
// through its environment fallback HEARTH_REPACK_CACHE so that every load in the process (the
// server's too) uses it.
#pragma once

#include <string>
#include <vector>

namespace hearth::cli {

// The commands that take the flag.
bool takes_repack_cache_flag(const std::string& command);

// Removes `--repack-cache DIR` (or `--repack-cache=DIR`) from `args`, sets HEARTH_REPACK_CACHE
// to DIR and shows the cache's warnings (an unwritable directory) on stderr. Returns false,
// with a message on stderr, when the flag has no value.
bool take_repack_cache_flag(std::vector<std::string>& args);

}  // namespace hearth::cli

// `hearth kb bench`: builds a synthetic knowledge base (random unit vectors, Zipf-distributed
// pseudo-words) and reports search latency per mode and scan method, and the indexing
// throughput of the whole pipeline (files -> chunks -> embeddings -> SQLite) with the share of
// the time spent embedding.
#pragma once

#include <string>
#include <vector>

namespace hearth::cli {

int run_kb_bench(const std::vector<std::string>& args);

}  // namespace hearth::cli

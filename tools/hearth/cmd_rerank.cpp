// hearth rerank -m MODEL --query Q [--truncate] [-t N] DOC... | -
// One line per document, in input order: {"index": i, "score": s}.
#include <cstdio>
#include <iostream>
#include <string>

#include "command.hpp"
#include "embed/embedder.hpp"

namespace {

constexpr const char* kUsage =
    "usage: hearth rerank -m MODEL.gguf --query QUERY [--truncate] [-t THREADS] DOC... | -\n"
    "Scores each DOC (with `-`: each line of standard input) for relevance to QUERY with a\n"
    "reranking model; prints {\"index\": i, \"score\": s} per document, in input order.\n";

int run_rerank(const std::vector<std::string>& args) {
  using namespace hearth::embed;
  std::string model, query;
  bool have_query = false, from_stdin = false;
  EmbedderOptions opt;
  std::vector<std::string> docs;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has_value = i + 1 < args.size();
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stderr);
      return 0;
    } else if ((a == "-m" || a == "--model") && has_value) {
      model = args[++i];
    } else if ((a == "-q" || a == "--query") && has_value) {
      query = args[++i];
      have_query = true;
    } else if (a == "--truncate") {
      opt.truncate = true;
    } else if ((a == "-t" || a == "--threads") && has_value) {
      opt.n_threads = std::stoi(args[++i]);
    } else if (a == "-") {
      from_stdin = true;
    } else if (!a.empty() && a[0] == '-' && a.size() > 1) {
      std::fprintf(stderr, "hearth rerank: unknown option '%s'\n%s", a.c_str(), kUsage);
      return 2;
    } else {
      docs.push_back(a);
    }
  }
  if (from_stdin)
    for (std::string line; std::getline(std::cin, line);) docs.push_back(line);
  if (model.empty() || !have_query || docs.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  auto e = Embedder::load(model, opt);
  const std::vector<float> s = e->rerank(query, docs);
  for (size_t i = 0; i < s.size(); ++i)
    std::printf("{\"index\": %zu, \"score\": %.9g}\n", i, static_cast<double>(s[i]));
  return 0;
}

const hearth::cli::Register reg{"rerank", "score documents against a query", &run_rerank};

}  // namespace

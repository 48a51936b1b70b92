// hearth rerank -m MODEL --query Q [--truncate] [-t N] DOC... | -
// One line per document, in input order: {"index": i, "score": s}.
#include <cstdio>
#include <string>

#include "command.hpp"
#include "embed/embedder.hpp"
#include "encoder_args.hpp"

namespace {

constexpr const char* kUsage =
    "usage: hearth rerank -m MODEL.gguf --query QUERY [--truncate] [-t THREADS] DOC... | -\n"
    "Scores each DOC (with `-`: each line of standard input) for relevance to QUERY with a\n"
    "reranking model; prints {\"index\": i, \"score\": s} per document, in input order.\n";

int run_rerank(const std::vector<std::string>& args) {
  using namespace hearth::embed;
  hearth::cli::EncoderArgs in;  // the documents are its texts
  std::string query;
  bool have_query = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stderr);
      return 0;
    } else if ((a == "-q" || a == "--query") && i + 1 < args.size()) {
      query = args[++i];
      have_query = true;
    } else if (in.take(args, i, "rerank", kUsage) != hearth::cli::EncoderArgs::Taken::kYes) {
      return 2;
    }
  }
  in.read_stdin_texts();
  if (in.model.empty() || !have_query || in.texts.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  auto e = Embedder::load(in.model, in.options);
  const std::vector<float> s = e->rerank(query, in.texts);
  for (size_t i = 0; i < s.size(); ++i)
    std::printf("{\"index\": %zu, \"score\": %.9g}\n", i, static_cast<double>(s[i]));
  return 0;
}

const hearth::cli::Register reg{"rerank", "score documents against a query", &run_rerank};

}  // namespace

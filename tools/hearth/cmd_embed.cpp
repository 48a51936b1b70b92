// hearth embed -m MODEL [--pooling P] [--normalize l2|none] [--truncate] [-t N] TEXT... | -
// One JSON array per input text per line (with --pooling none: an array of per-token arrays).
// hearth embed -m MODEL --bench [...]: throughput on synthetic ids (embed_bench.hpp).
#include <cstdio>
#include <string>

#include "command.hpp"
#include "embed/embedder.hpp"
#include "embed_bench.hpp"
#include "encoder_args.hpp"

namespace {

constexpr const char* kUsage =
    "usage: hearth embed -m MODEL.gguf [--pooling none|mean|cls|last] [--normalize l2|none]\n"
    "                    [--truncate] [-t THREADS] TEXT... | -\n"
    "Prints the embedding of each TEXT (with `-`: each line of standard input) as one JSON\n"
    "array per line. Pooling defaults to the model's; vectors are L2-normalised by default.\n"
    "--pooling none prints every token's vector (an array of arrays). A text longer than the\n"
    "model's context is an error unless --truncate.\n"
    "\n"
    "hearth embed -m MODEL.gguf --bench [--texts N] [--tokens N] [--reps N] [-t THREADS]\n"
    "Embedding throughput on synthetic token ids: tokens/s for N texts (default 64) of N\n"
    "tokens (default 128) per call, and for one text per call (llama.cpp's run.sh --embed\n"
    "shape); medians over --reps calls (default 5) after a warm-up. Threads default to 2.\n";

void print_row(const float* v, int n) {
  std::fputc('[', stdout);
  for (int i = 0; i < n; ++i) std::printf(i ? ",%.9g" : "%.9g", static_cast<double>(v[i]));
  std::fputc(']', stdout);
}

int run_embed(const std::vector<std::string>& args) {
  using namespace hearth::embed;
  hearth::cli::EncoderArgs in;
  EmbedderOptions& opt = in.options;
  bool bench = false;
  hearth::cli::EmbedBenchOptions bo;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has_value = i + 1 < args.size();
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stderr);
      return 0;
    } else if (a == "--pooling" && has_value) {
      opt.pooling = parse_pooling(args[++i]);
    } else if (a == "--normalize" && has_value) {
      const std::string& n = args[++i];
      if (n != "l2" && n != "none") {
        std::fprintf(stderr, "hearth embed: --normalize takes l2 or none\n");
        return 2;
      }
      opt.normalize = n == "l2" ? Normalize::kL2 : Normalize::kNone;
    } else if (a == "--bench") {
      bench = true;
    } else if (a == "--texts" && has_value) {
      bo.n_texts = std::stoi(args[++i]);
    } else if (a == "--tokens" && has_value) {
      bo.n_tokens = std::stoi(args[++i]);
    } else if (a == "--reps" && has_value) {
      bo.reps = std::stoi(args[++i]);
    } else if (in.take(args, i, "embed", kUsage) != hearth::cli::EncoderArgs::Taken::kYes) {
      return 2;
    }
  }
  if (bench) {
    if (in.model.empty()) {
      std::fputs(kUsage, stderr);
      return 2;
    }
    bo.model = in.model;
    if (opt.n_threads > 0) bo.n_threads = opt.n_threads;
    return hearth::cli::run_embed_bench(bo);
  }
  in.read_stdin_texts();
  const std::vector<std::string>& texts = in.texts;
  if (in.model.empty() || texts.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  auto e = Embedder::load(in.model, opt);
  const int d = e->dim();
  if (e->pooling() == Pooling::kNone) {
    for (const auto& rows : e->embed_tokens(texts)) {
      std::fputc('[', stdout);
      for (size_t t = 0; t < rows.size() / d; ++t) {
        if (t) std::fputc(',', stdout);
        print_row(rows.data() + t * d, d);
      }
      std::fputs("]\n", stdout);
    }
    return 0;
  }
  const std::vector<float> v = e->embed(texts);
  for (size_t i = 0; i < texts.size(); ++i) {
    print_row(v.data() + i * d, d);
    std::fputc('\n', stdout);
  }
  return 0;
}

const hearth::cli::Register reg{"embed", "print text embeddings (JSON arrays)", &run_embed};

}  // namespace

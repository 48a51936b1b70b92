// hearth synth --preset NAME --vocab VOCAB.gguf --type q8_0 -o OUT.gguf
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "command.hpp"
#include "hearth/synth.hpp"

namespace {

int usage(int code) {
  std::string names;
  for (const auto& p : hearth::synth_presets()) names += (names.empty() ? "" : "|") + p.name;
  std::fprintf(
      stderr,
      "usage: hearth synth --preset %s --vocab VOCAB.gguf [--type q8_0] [--seed N] "
      "-o OUT.gguf\n"
      "Writes a random-weight model of a real architecture (for benchmarks only),\n"
      "with the tokenizer copied from VOCAB.gguf. Types: f32 f16 bf16 q8_0 q4_0 q4_k q6_k.\n",
      names.c_str());
  return code;
}

int run_synth(const std::vector<std::string>& args) {
  hearth::SynthOptions o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) throw std::invalid_argument(a + " needs a value");
      return args[++i];
    };
    if (a == "--help" || a == "-h") return usage(0);
    if (a == "--preset")
      o.preset = value();
    else if (a == "--vocab")
      o.vocab_path = value();
    else if (a == "--type")
      o.type = value();
    else if (a == "--seed")
      o.seed = std::stoull(value());
    else if (a == "-o" || a == "--output")
      o.output_path = value();
    else {
      std::fprintf(stderr, "hearth synth: unknown option '%s'\n", a.c_str());
      return usage(2);
    }
  }
  if (o.preset.empty() || o.vocab_path.empty() || o.output_path.empty()) return usage(2);
  // The percentage is redrawn in place on a terminal only; a pipe or log file gets no progress.
  const bool tty = ::isatty(2);
  int last_percent = -1;
  if (tty) {
    o.progress = [&](uint64_t done, uint64_t total) {
      const int percent = static_cast<int>(100 * done / (total ? total : 1));
      if (percent != last_percent) {
        std::fprintf(stderr, "\rhearth synth: %3d%% of %.0f M weights", percent, total / 1e6);
        std::fflush(stderr);
        last_percent = percent;
      }
      return true;
    };
  }
  hearth::synth_model(o);
  std::fprintf(stderr, "%shearth synth: wrote %s\n", last_percent >= 0 ? "\n" : "",
               o.output_path.c_str());
  return 0;
}

const hearth::cli::Register reg{"synth", "write a random-weight model of a real shape (benchmarks)",
                                &run_synth};

}  // namespace

// hearth quantize IN.gguf OUT.gguf TYPE — re-quantize a model the way llama-quantize does.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "command.hpp"
#include "hearth/quantize_model.hpp"

namespace {

void usage() {
  std::fprintf(stderr,
               "usage: hearth quantize [--threads N] [--quiet] IN.gguf OUT.gguf TYPE\n"
               "TYPE: q8_0, q6_k, q5_k_m, q5_k_s, q5_1, q5_0, q4_k_m, q4_k_s, q4_1, q4_0,\n"
               "      q3_k_l, q3_k_m, q3_k_s, q2_k, f16, bf16, f32\n"
               "Weight matrices get TYPE; the _s/_m/_l mixes (and q2_k) give some tensors more\n"
               "bits, as llama-quantize does (q4_k_m: Q4_K with Q6_K for the output matrix and\n"
               "some attn_v/ffn_down layers). Norms and 1-D tensors stay as they are; the file is\n"
               "byte-identical to llama-quantize's (no importance matrix).\n");
}

// A percentage redrawn in place on a terminal; on a pipe, only the final line.
bool draw_progress(uint64_t done, uint64_t total) {
  static int last = -1;
  const int pct = total ? static_cast<int>(done * 100 / total) : 100;
  if (pct == last) return true;
  last = pct;
  const bool tty = ::isatty(2);
  if (!tty && pct != 100) return true;
  std::fprintf(stderr, "%squantizing: %3d%%%s", tty ? "\r" : "", pct, pct == 100 ? "\n" : "");
  std::fflush(stderr);
  return true;
}

int run_quantize(const std::vector<std::string>& args) {
  hearth::QuantizeOptions o;
  std::vector<std::string> pos;
  bool quiet = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      usage();
      return 0;
    } else if (a == "--threads" || a == "-t") {
      if (i + 1 >= args.size()) {
        usage();
        return 2;
      }
      o.n_threads = std::stoi(args[++i]);
    } else if (a == "--quiet" || a == "-q") {
      quiet = true;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "hearth quantize: unknown option '%s'\n", a.c_str());
      usage();
      return 2;
    } else {
      pos.push_back(a);
    }
  }
  if (pos.size() != 3) {
    usage();
    return 2;
  }
  o.input = pos[0];
  o.output = pos[1];
  o.type = hearth::quantize_type_from_name(pos[2]);
  if (!quiet) {
    o.log = [](const std::string& line) {
      if (!::isatty(2)) std::fprintf(stderr, "%s\n", line.c_str());
    };
    o.progress = draw_progress;
  }
  hearth::quantize_model(o);
  std::fprintf(stderr, "wrote %s (%s)\n", o.output.c_str(),
               std::string(hearth::quantize_type_name(o.type)).c_str());
  return 0;
}

const hearth::cli::Register reg{"quantize", "re-quantize a GGUF model (q8_0, q4_k_m, q3_k_m, ...)",
                                &run_quantize};

}  // namespace

// hearth convert — import a Hugging Face or llama2.c checkpoint as GGUF.
//   hearth convert HF_DIR -o OUT.gguf [--type f32|f16|bf16|q8_0|q4_0|q4_k_m|...]
//   hearth convert --llama2c MODEL.bin --tokenizer TOK.bin -o OUT.gguf [--type ...]
#include <unistd.h>

#include <cstdio>
#include <string>

#include "command.hpp"
#include "hearth/convert.hpp"

namespace {

void usage() {
  std::fprintf(stderr,
               "usage: hearth convert HF_DIR -o OUT.gguf [--type TYPE]\n"
               "       hearth convert --llama2c MODEL.bin --tokenizer TOK.bin -o OUT.gguf "
               "[--type TYPE]\n"
               "TYPE: f32, f16 (default), bf16, q8_0, or any type of hearth quantize\n"
               "      (q6_k, q5_k_m, q5_k_s, q5_1, q5_0, q4_k_m, q4_k_s, q4_1, q4_0, q3_k_l,\n"
               "      q3_k_m, q3_k_s, q2_k): the same file as converting to f32 and quantizing\n");
}

// A one-line bar redrawn in place on a terminal; on a pipe, only the final line.
bool draw_progress(uint64_t done, uint64_t total) {
  static int last = -1;
  const int pct = total ? static_cast<int>(done * 100 / total) : 100;
  if (pct == last) return true;
  last = pct;
  const bool tty = ::isatty(2);
  if (!tty && pct != 100) return true;
  const int width = 40, filled = pct * width / 100;
  std::fprintf(stderr, "%s[%s%s] %3d%%%s", tty ? "\r" : "", std::string(filled, '#').c_str(),
               std::string(width - filled, ' ').c_str(), pct, pct == 100 ? "\n" : "");
  std::fflush(stderr);
  return true;
}

int run_convert(const std::vector<std::string>& args) {
  hearth::ConvertOptions o;
  std::string llama2c;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* flag) -> std::string {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "hearth convert: %s needs a value\n", flag);
        return std::string();
      }
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      usage();
      return 0;
    } else if (a == "-o" || a == "--output") {
      o.output = value("-o");
    } else if (a == "--type") {
      o.type = hearth::convert_type_from_name(value("--type"));
    } else if (a == "--llama2c") {
      llama2c = value("--llama2c");
    } else if (a == "--tokenizer") {
      o.llama2c_tokenizer = value("--tokenizer");
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "hearth convert: unknown option '%s'\n", a.c_str());
      usage();
      return 2;
    } else if (o.input.empty()) {
      o.input = a;
    } else {
      std::fprintf(stderr, "hearth convert: more than one input given\n");
      return 2;
    }
  }
  if (!llama2c.empty()) {
    if (!o.input.empty() || o.llama2c_tokenizer.empty()) {
      std::fprintf(stderr, "hearth convert: --llama2c needs --tokenizer and no HF_DIR\n");
      return 2;
    }
    o.input = llama2c;
  } else if (!o.llama2c_tokenizer.empty()) {
    std::fprintf(stderr, "hearth convert: --tokenizer is only for --llama2c\n");
    return 2;
  }
  if (o.input.empty() || o.output.empty()) {
    usage();
    return 2;
  }
  o.progress = draw_progress;
  hearth::convert_model(o);
  std::fprintf(stderr, "wrote %s\n", o.output.c_str());
  return 0;
}

const hearth::cli::Register reg{"convert", "import a Hugging Face or llama2.c checkpoint as GGUF",
                                &run_convert};

}  // namespace

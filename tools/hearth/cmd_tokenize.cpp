// hearth tokenize -m MODEL [--no-bos] [--parse-special] "text" | -
#include <cstdio>
#include <iostream>
#include <iterator>

#include "command.hpp"
#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "hearth/tokenizer.hpp"

namespace {

constexpr const char* kUsage =
    "usage: hearth tokenize -m MODEL.gguf [--no-bos] [--parse-special] TEXT\n"
    "Prints the token ids of TEXT (or of standard input with `-`) on one line.\n";

int run_tokenize(const std::vector<std::string>& args) {
  std::string model, text;
  bool add_special = true, parse_special = false, have_text = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stderr);
      return 0;
    } else if (a == "-m" || a == "--model") {
      if (i + 1 >= args.size()) break;
      model = args[++i];
    } else if (a == "--no-bos") {
      add_special = false;
    } else if (a == "--parse-special") {
      parse_special = true;
    } else if (!have_text) {
      have_text = true;
      text = a == "-" ? std::string(std::istreambuf_iterator<char>(std::cin), {}) : a;
    } else {
      std::fprintf(stderr, "hearth tokenize: unexpected argument '%s'\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (model.empty() || !have_text) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  auto file = hearth::GgufFile::open(model);
  auto tokenizer = hearth::Tokenizer::from_gguf(*file);
  if (!tokenizer) hearth::fail(hearth::Status::kInvalidModel, model + " has no tokenizer");
  std::string line;
  for (int32_t id : tokenizer->encode(text, add_special, parse_special))
    line += (line.empty() ? "" : " ") + std::to_string(id);
  std::printf("%s\n", line.c_str());
  return 0;
}

const hearth::cli::Register reg{"tokenize", "print the token ids of a text", &run_tokenize};

}  // namespace

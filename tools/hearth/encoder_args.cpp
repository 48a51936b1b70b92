#include "encoder_args.hpp"

#include <cstdio>
#include <iostream>

namespace hearth::cli {

EncoderArgs::Taken EncoderArgs::take(const std::vector<std::string>& args, size_t& i,
                                     const char* command, const char* usage) {
  const std::string& a = args[i];
  const bool has_value = i + 1 < args.size();
  if ((a == "-m" || a == "--model") && has_value) {
    model = args[++i];
  } else if (a == "--truncate") {
    options.truncate = true;
  } else if ((a == "-t" || a == "--threads") && has_value) {
    options.n_threads = std::stoi(args[++i]);
  } else if (a == "-") {
    from_stdin = true;
  } else if (!a.empty() && a[0] == '-' && a.size() > 1) {
    std::fprintf(stderr, "hearth %s: unknown option '%s'\n%s", command, a.c_str(), usage);
    return Taken::kUnknownOption;
  } else {
    texts.push_back(a);
  }
  return Taken::kYes;
}

void EncoderArgs::read_stdin_texts() {
  if (!from_stdin) return;
  for (std::string line; std::getline(std::cin, line);) texts.push_back(line);
}

}  // namespace hearth::cli

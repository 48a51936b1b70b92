// The arguments `hearth embed` and `hearth rerank` share: the model, --truncate, -t, and the
// texts, given as arguments or (with `-`) one per line of standard input.
#pragma once

#include <string>
#include <vector>

#include "embed/embedder.hpp"

namespace hearth::cli {

struct EncoderArgs {
  std::string model;
  hearth::embed::EmbedderOptions options;
  std::vector<std::string> texts;
  bool from_stdin = false;

  enum class Taken { kYes, kUnknownOption };
  // Consumes args[i] (and its value, advancing i) as a shared option or a text. An option this
  // struct does not know prints "hearth COMMAND: unknown option" and the usage to stderr.
  Taken take(const std::vector<std::string>& args, size_t& i, const char* command,
             const char* usage);
  // Appends standard input's lines to texts when `-` was given.
  void read_stdin_texts();
};

}  // namespace hearth::cli

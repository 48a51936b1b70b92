// hearth chat -m MODEL.gguf [-t N] [-c N] [-n N] [--system S] [--temp T] [--top-k K] [--seed S]
//             [--template FILE] [--cache-mb N]
// An interactive conversation: each line of stdin is a user message (works with a pipe), the
// reply streams to stdout. Commands: /reset, /save FILE, /load FILE, /quit.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "command.hpp"
#include "generate_flags.hpp"
#include "hearth/error.hpp"
#include "hearth/model.hpp"
#include "session/session.hpp"
#include "text_file.hpp"

namespace {

using namespace hearth::cli;

const char* kUsage =
    "usage: hearth chat -m MODEL.gguf [options]\n"
    "  -t N               threads (default: one per core)\n"
    "  -c N               context size in tokens (default 2048, capped at the model's)\n"
    "  -n N               most tokens per reply (default 256)\n"
    "  --system TEXT      system message\n"
    "  --template FILE    Jinja chat template (default: the model's, else ChatML)\n"
    "  --cache-mb N       keep the KV state of reset conversations, up to N MiB (default 0)\n"
    "Each stdin line is a message. Commands: /reset, /save FILE, /load FILE, /quit.\n";

// Runs one command line ("/save x"); returns false for /quit.
bool run_command(hearth::Session& session, const std::string& system, const std::string& line) {
  const size_t space = line.find(' ');
  const std::string cmd = line.substr(0, space);
  const std::string arg = space == std::string::npos ? "" : line.substr(space + 1);
  if (cmd == "/quit" || cmd == "/exit") return false;
  if (cmd == "/reset") {
    session.reset();
    if (!system.empty()) session.add_message("system", system);
    std::fputs("[conversation reset]\n", stderr);
  } else if ((cmd == "/save" || cmd == "/load") && !arg.empty()) {
    if (cmd == "/save")
      session.save(arg);
    else
      session.load(arg);
    std::fprintf(stderr, "[%s %s: %zu messages]\n", cmd == "/save" ? "saved" : "loaded",
                 arg.c_str(), session.messages().size());
  } else {
    std::fprintf(stderr, "unknown command '%s' (/reset, /save FILE, /load FILE, /quit)\n",
                 line.c_str());
  }
  return true;
}

int run_chat(const std::vector<std::string>& args) {
  std::string model_path, system, template_path;
  hearth::SessionParams params;
  hearth::GenerateOptions opt;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      std::fprintf(stderr, "%s%s", kUsage, kSamplingHelp);
      return 0;
    }
    if (i + 1 >= args.size()) {
      std::fprintf(stderr, "hearth chat: %s needs a value\n%s%s", a.c_str(), kUsage, kSamplingHelp);
      return 2;
    }
    const std::string& v = args[++i];
    if (a == "-m" || a == "--model")
      model_path = v;
    else if (a == "-t" || a == "--threads")
      params.context.n_threads = to_int(a, v);
    else if (a == "-c" || a == "--ctx-size")
      params.context.n_ctx = to_int(a, v);
    else if (a == "-n")
      opt.max_tokens = to_int(a, v);
    else if (a == "--system")
      system = v;
    else if (parse_generate_flag(a, v, opt))
      continue;
    else if (a == "--template")
      template_path = v;
    else if (a == "--cache-mb")
      params.prompt_cache_bytes = static_cast<size_t>(to_int(a, v)) << 20;
    else {
      std::fprintf(stderr, "hearth chat: unknown option '%s'\n%s%s", a.c_str(), kUsage,
                   kSamplingHelp);
      return 2;
    }
  }
  if (model_path.empty()) {
    std::fprintf(stderr, "%s%s", kUsage, kSamplingHelp);
    return 2;
  }
  if (!template_path.empty()) params.chat_template = read_text_file(template_path);
  hearth::Session session(hearth::Model::load(hearth::GgufFile::open(model_path)), params);
  if (!system.empty()) session.add_message("system", system);
  const bool interactive = isatty(fileno(stdin));
  opt.on_token = [](int, const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return true;
  };
  std::string line;
  for (;;) {
    if (interactive) std::fputs("> ", stderr);
    if (!std::getline(std::cin, line)) break;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    try {
      if (line[0] == '/') {
        if (!run_command(session, system, line)) break;
        continue;
      }
      session.add_message("user", line);
      const hearth::SessionReply r = session.generate(opt);
      std::fputc('\n', stdout);
      std::fflush(stdout);
      std::fprintf(stderr, "[%d prompt tokens evaluated (%d reused), %zu generated, %.1f tok/s]\n",
                   r.result.n_prompt, r.n_reused, r.result.tokens.size(),
                   r.result.gen_tokens_per_s);
    } catch (const hearth::Error& e) {
      // Keep the conversation going: a failed turn or command leaves the session consistent.
      std::fprintf(stderr, "error: %s\n", e.what());
      if (line[0] != '/' && !session.messages().empty() && session.messages().back().role == "user")
        session.pop_message();
    }
  }
  return 0;
}

const hearth::cli::Register reg{"chat", "chat with a model (stdin lines are messages)", &run_chat};

}  // namespace

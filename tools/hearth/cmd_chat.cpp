// hearth chat -m MODEL.gguf [-t N] [-c N] [-n N] [--system S] [--temp T] [--top-k K] [--seed S]
//             [--template FILE] [--cache-mb N] [--encrypt-key-file F | --passphrase-env VAR]
//             [--safety off|standard|strict --safety-rules FILE]
//             [--kb KB [--embed-model E] [--kb-k N]] [--tools F.json [--tool-choice C]]
// An interactive conversation: each line of stdin is a user message (works with a pipe), the
// reply streams to stdout. Commands: /reset, /save FILE, /load FILE, /quit. With a key, /save
// and /load use encrypted session files (docs/security.md). With a safety level, each message
// is checked before it is sent and each reply streams through an OutputGuard: held-back text
// is printed once it cannot start a banned phrase, and a blocked reply stops and is dropped.
// With --kb, each message is searched in a knowledge base (docs/kb.md); the best passages go
// into the message and their sources are printed after the reply (kb_chat.hpp).
// With --tools, replies may call tools: the calls are printed as one JSON line and the results
// are read from the next stdin lines (the protocol is in tool_chat.hpp and docs/tools.md).
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "command.hpp"
#include "crypto/file_key.hpp"
#include "generate_flags.hpp"
#if HEARTH_HAS_KB
#include "kb_chat.hpp"
#endif
#include "hearth/error.hpp"
#include "hearth/model.hpp"
#include "safety/filter.hpp"
#include "session/session.hpp"
#include "text_file.hpp"
#include "tool_chat.hpp"

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
    "  --encrypt-key-file F  /save and /load encrypted session files with this key (keygen)\n"
    "  --passphrase-env VAR  ... or with the passphrase in environment variable VAR\n"
    "  --safety LEVEL     content filter: off, standard, strict (needs --safety-rules)\n"
    "  --safety-rules F   rule file (tests/data/safety/default.rules is an example)\n"
#if HEARTH_HAS_KB
    "  --kb KB            answer from a knowledge base (hearth kb): passages + sources\n"
    "  --embed-model E    its embedding model (default: the one it was built with)\n"
    "  --kb-k N           passages per message (default 4)\n"
#endif
    "  --tools F.json     offer these tools (OpenAI's tools array); calls print as a line\n"
    "                     {\"tool_calls\": [...]}, then one stdin line per call is its result\n"
    "  --tool-choice C    auto (default), none, required, or a function's name\n"
    "Each stdin line is a message. Commands: /reset, /save FILE, /load FILE, /quit.\n";

// Runs one command line ("/save x"); returns false for /quit.
bool run_command(hearth::Session& session, const std::string& system, const std::string& line,
                 const hearth::crypto::FileKey* key) {
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
      session.save(arg, key);
    else
      session.load(arg, key);
    std::fprintf(stderr, "[%s %s: %zu messages]\n", cmd == "/save" ? "saved" : "loaded",
                 arg.c_str(), session.messages().size());
  } else {
    std::fprintf(stderr, "unknown command '%s' (/reset, /save FILE, /load FILE, /quit)\n",
                 line.c_str());
  }
  return true;
}

int run_chat(const std::vector<std::string>& args) {
  std::string model_path, system, template_path, key_file, passphrase_env, rules_file;
  std::string kb_path, kb_embed;
  std::string tools_path, tool_choice;
  int kb_k = 4;
  hearth::safety::Level safety = hearth::safety::Level::kOff;
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
    else if (a == "--encrypt-key-file")
      key_file = v;
    else if (a == "--passphrase-env")
      passphrase_env = v;
    else if (a == "--safety")
      safety = hearth::safety::parse_level(v);
    else if (a == "--safety-rules")
      rules_file = v;
    else if (a == "--kb")
      kb_path = v;
    else if (a == "--embed-model")
      kb_embed = v;
    else if (a == "--kb-k")
      kb_k = to_int(a, v);
    else if (a == "--tools")
      tools_path = v;
    else if (a == "--tool-choice")
      tool_choice = v;
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
  if (!key_file.empty() && !passphrase_env.empty()) {
    std::fputs("hearth chat: give --encrypt-key-file or --passphrase-env, not both\n", stderr);
    return 2;
  }
  std::unique_ptr<hearth::crypto::FileKey> key;
  if (!key_file.empty())
    key = std::make_unique<hearth::crypto::FileKey>(
        hearth::crypto::FileKey::from_key_file(key_file));
  if (!passphrase_env.empty()) {
    // From the environment, not the command line: argv is visible to every user (ps).
    const char* phrase = std::getenv(passphrase_env.c_str());
    if (!phrase || !*phrase) {
      std::fprintf(stderr, "hearth chat: environment variable %s is empty\n",
                   passphrase_env.c_str());
      return 2;
    }
    key = std::make_unique<hearth::crypto::FileKey>(
        hearth::crypto::FileKey::from_passphrase(phrase, std::strlen(phrase)));
  }
  std::unique_ptr<hearth::safety::ContentFilter> filter;
  if (safety != hearth::safety::Level::kOff) {
    if (rules_file.empty()) {
      std::fputs("hearth chat: --safety needs --safety-rules FILE\n", stderr);
      return 2;
    }
    hearth::safety::FilterConfig fc;
    fc.level = safety;
    fc.rules = hearth::safety::RuleSet::load_file(rules_file);
    filter = std::make_unique<hearth::safety::ContentFilter>(fc);
  }
  if (!template_path.empty()) params.chat_template = read_text_file(template_path);
#if HEARTH_HAS_KB
  std::unique_ptr<KbRetriever> retriever;
  if (!kb_path.empty()) retriever = std::make_unique<KbRetriever>(kb_path, kb_embed, kb_k);
#else
  (void)kb_embed;
  (void)kb_k;
  if (!kb_path.empty()) hearth::fail(hearth::Status::kUnsupported, "built without --kb support");
#endif
  std::unique_ptr<ToolChat> tools;
  if (!tools_path.empty()) tools = std::make_unique<ToolChat>(tools_path, tool_choice);
  hearth::Session session(hearth::Model::load(hearth::GgufFile::open(model_path)), params);
  if (!system.empty()) session.add_message("system", system);
  const bool interactive = isatty(fileno(stdin));
  auto emit = [](const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  };
  std::unique_ptr<hearth::safety::OutputGuard> guard;
  opt.on_token = [&](int, const std::string& text) {
    if (!guard) {
      emit(text);
      return true;
    }
    const auto step = guard->feed(text);
    emit(step.release);
    return !step.blocked;  // a blocked reply stops here (and is not appended)
  };
  std::string line;
  for (;;) {
    if (interactive) std::fputs("> ", stderr);
    if (!std::getline(std::cin, line)) break;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    try {
      if (line[0] == '/') {
        if (!run_command(session, system, line, key.get())) break;
        continue;
      }
      if (filter) {
        const hearth::safety::Verdict v = filter->check(line);
        if (v.blocked) {
          // The category, never the text: this line may end up in logs.
          std::fprintf(stderr, "[message blocked by the content filter: %s]\n",
                       v.category.c_str());
          continue;
        }
        guard = std::make_unique<hearth::safety::OutputGuard>(*filter);
      }
#if HEARTH_HAS_KB
      session.add_message("user", retriever ? retriever->augment(line) : line);
#else
      session.add_message("user", line);
#endif
      const hearth::SessionReply r =
          tools ? tools->turn(session, opt, std::cin, interactive) : session.generate(opt);
      if (guard) {
        if (!guard->blocked()) emit(guard->finish().release);
        if (guard->blocked()) {
          std::fprintf(stderr, "\n[reply blocked by the content filter: %s]\n",
                       guard->verdict().category.c_str());
          // A reply stopped by the filter was not appended (cancelled); one blocked only at its
          // end was. Drop it, and the message that led to it.
          if (!session.messages().empty() && session.messages().back().role == "assistant")
            session.pop_message();
          if (!session.messages().empty() && session.messages().back().role == "user")
            session.pop_message();
        }
        guard.reset();
      }
      std::fputc('\n', stdout);
#if HEARTH_HAS_KB
      if (retriever) std::fputs(retriever->sources().c_str(), stdout);
#endif
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

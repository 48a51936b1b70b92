// hearth — command-line front end. `hearth help` lists the sub-commands.
#include <algorithm>
#include <cstdio>
#include <exception>

#include "command.hpp"
#include "hearth/error.hpp"
#include "repack_cache_flag.hpp"
#include "utf8_args.hpp"

namespace hearth::cli {
std::vector<Command>& registry() {
  static std::vector<Command> commands;
  return commands;
}
}  // namespace hearth::cli

namespace {
void usage() {
  auto commands = hearth::cli::registry();
  std::sort(commands.begin(), commands.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  std::fprintf(stderr, "usage: hearth <command> [options]\n\ncommands:\n");
  for (const auto& c : commands)
    std::fprintf(stderr, "  %-10s %s\n", c.name.c_str(), c.summary.c_str());
  std::fprintf(stderr, "\n`hearth <command> --help` describes a command's options.\n");
  std::fprintf(stderr,
               "run, chat, bench, batch and serve also take --repack-cache DIR: keep the weights "
               "repacked at load in DIR, so later loads map them (HEARTH_REPACK_CACHE).\n");
}
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args = hearth::cli::utf8_arguments(argc, argv);
  if (args.size() < 2 || args[1] == "help" || args[1] == "--help") {
    usage();
    return args.size() < 2 ? 2 : 0;
  }
  const std::string name = args[1];
  if (hearth::cli::takes_repack_cache_flag(name) && !hearth::cli::take_repack_cache_flag(args))
    return 2;
  for (const auto& c : hearth::cli::registry()) {
    if (c.name != name) continue;
    try {
      return c.run(std::vector<std::string>(args.begin() + 2, args.end()));
    } catch (const hearth::Error& e) {
      std::fprintf(stderr, "hearth %s: error: %s\n", name.c_str(), e.what());
      return 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "hearth %s: unexpected error: %s\n", name.c_str(), e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "hearth: unknown command '%s'\n\n", name.c_str());
  usage();
  return 2;
}

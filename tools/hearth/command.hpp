// Sub-command registry of the `hearth` tool. Each tools/hearth/cmd_*.cpp registers itself:
//   static const hearth::cli::Register reg{"info", "print a model's metadata", &run_info};
// Commands print results to stdout and diagnostics to stderr, and return the exit code.
#pragma once

#include <string>
#include <vector>

namespace hearth::cli {

using CommandFn = int (*)(const std::vector<std::string>& args);  // args exclude "hearth <cmd>"

struct Command {
  std::string name;
  std::string summary;
  CommandFn run;
};

std::vector<Command>& registry();

struct Register {
  Register(std::string name, std::string summary, CommandFn run) {
    registry().push_back({std::move(name), std::move(summary), run});
  }
};

}  // namespace hearth::cli

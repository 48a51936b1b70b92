// hearth audit verify FILE — checks the hash chain of a `hearth serve --audit-log` file.
// Exit 0: intact; 1: broken (the first bad line is named); 2: usage.
#include <cstdio>
#include <string>
#include <vector>

#include "command.hpp"
#include "server/audit_log.hpp"

namespace {

int run_audit(const std::vector<std::string>& args) {
  if (args.size() != 2 || args[0] != "verify") {
    std::fprintf(stderr, "usage: hearth audit verify FILE\n");
    return 2;
  }
  const auto r = hearth::server::verify_audit_log(args[1]);
  if (r.ok) {
    std::printf("%s: %zu lines, chain intact\n", args[1].c_str(), r.lines);
    return 0;
  }
  std::printf("%s: line %zu: %s\n", args[1].c_str(), r.bad_line, r.reason.c_str());
  return 1;
}

const hearth::cli::Register reg{"audit", "verify a `hearth serve` audit log", &run_audit};

}  // namespace

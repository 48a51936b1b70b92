// hearth keys add --file KEYS --id NAME --role admin|user|reader [--rpm N] [--tpm N]
//                 [--max-parallel N]      prints the new key once on stdout
// hearth keys list --file KEYS            ids, roles, limits (never keys or hashes)
// hearth keys revoke --file KEYS --id NAME
// A running server picks up changes on SIGHUP.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "command.hpp"
#include "generate_flags.hpp"
#include "server/keys.hpp"

namespace {

using namespace hearth::server;

const char* kUsage =
    "usage: hearth keys add --file KEYS --id NAME --role admin|user|reader [--rpm N] [--tpm N]\n"
    "                       [--max-parallel N]   (prints the new key once)\n"
    "       hearth keys list --file KEYS\n"
    "       hearth keys revoke --file KEYS --id NAME\n";

int run_keys(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fprintf(stderr, "%s", kUsage);
    return args.empty() ? 2 : 0;
  }
  const std::string verb = args[0];
  std::map<std::string, std::string> opt;
  for (size_t i = 1; i < args.size(); i += 2) {
    if (i + 1 >= args.size() || args[i].compare(0, 2, "--") != 0) {
      std::fprintf(stderr, "hearth keys: bad arguments\n%s", kUsage);
      return 2;
    }
    opt[args[i].substr(2)] = args[i + 1];
  }
  if (!opt.count("file")) {
    std::fprintf(stderr, "hearth keys: --file is required\n%s", kUsage);
    return 2;
  }
  const std::string file = opt["file"];
  std::vector<KeyEntry> keys = load_key_file(file);
  if (verb == "list") {
    for (const auto& k : keys)
      std::printf("%s\t%s\trpm=%s\ttpm=%lld\tmax_parallel=%d%s\n", k.id.c_str(), role_name(k.role),
                  k.rpm < 0 ? "default" : std::to_string(k.rpm).c_str(),
                  static_cast<long long>(k.tpm), k.max_parallel,
                  k.revoked ? "\trevoked" : "");
    return 0;
  }
  if (!opt.count("id") || opt["id"].empty()) {
    std::fprintf(stderr, "hearth keys: --id is required\n%s", kUsage);
    return 2;
  }
  const std::string id = opt["id"];
  if (verb == "revoke") {
    bool found = false;
    for (auto& k : keys)
      if (k.id == id && !k.revoked) k.revoked = found = true;
    if (!found) {
      std::fprintf(stderr, "hearth keys: no active key '%s' in %s\n", id.c_str(), file.c_str());
      return 1;
    }
    save_key_file(file, keys);
    std::fprintf(stderr, "revoked '%s' (send SIGHUP to running servers)\n", id.c_str());
    return 0;
  }
  if (verb != "add") {
    std::fprintf(stderr, "hearth keys: unknown action '%s'\n%s", verb.c_str(), kUsage);
    return 2;
  }
  const auto role = parse_role(opt.count("role") ? opt["role"] : "");
  if (!role) {
    std::fprintf(stderr, "hearth keys: --role must be admin, user or reader\n");
    return 2;
  }
  for (const auto& k : keys)
    if (k.id == id && !k.revoked) {
      std::fprintf(stderr, "hearth keys: '%s' already exists (revoke it first)\n", id.c_str());
      return 1;
    }
  const std::string key = new_api_key();
  KeyEntry e = make_key_entry(id, *role, key);
  if (opt.count("rpm")) {
    e.rpm = hearth::cli::to_int("--rpm", opt["rpm"]);
    if (e.rpm < 0) {
      std::fprintf(stderr, "hearth keys: --rpm must be >= 0 (0: unlimited)\n");
      return 2;
    }
  }  // else -1: the server's --default-rpm
  if (opt.count("tpm")) e.tpm = hearth::cli::to_int("--tpm", opt["tpm"]);
  if (opt.count("max-parallel"))
    e.max_parallel = hearth::cli::to_int("--max-parallel", opt["max-parallel"]);
  if (e.tpm < 0 || e.max_parallel < 0) {
    std::fprintf(stderr, "hearth keys: limits must be >= 0 (0: unlimited)\n");
    return 2;
  }
  keys.push_back(e);
  save_key_file(file, keys);
  std::printf("%s\n", key.c_str());  // shown once: only its salted hash is stored
  return 0;
}

const hearth::cli::Register reg{"keys", "manage the API keys of `hearth serve`", &run_keys};

}  // namespace

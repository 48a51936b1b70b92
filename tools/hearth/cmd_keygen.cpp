// hearth keygen -o FILE — writes a new 256-bit key (32 bytes from the OpenSSL CSPRNG) to FILE
// with mode 0600, for `hearth chat --encrypt-key-file FILE` and hearth_key_from_file().
// Refuses to overwrite: replacing a key makes every file sealed with it unreadable.
#include <cstdio>
#include <string>
#include <vector>

#include "command.hpp"
#include "crypto/file_key.hpp"

namespace {

const char* kUsage =
    "usage: hearth keygen -o FILE\n"
    "  writes a new random 256-bit key to FILE (mode 0600; never overwrites)\n";

int run_keygen(const std::vector<std::string>& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      std::fputs(kUsage, stderr);
      return 0;
    }
    if ((args[i] == "-o" || args[i] == "--output") && i + 1 < args.size()) {
      out = args[++i];
    } else {
      std::fprintf(stderr, "hearth keygen: unexpected argument '%s'\n%s", args[i].c_str(), kUsage);
      return 2;
    }
  }
  if (out.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  hearth::crypto::write_new_key_file(out);
  std::fprintf(stderr,
               "wrote a new key to %s (mode 0600); keep a backup: without it, files "
               "encrypted with it cannot be read\n",
               out.c_str());
  return 0;
}

const hearth::cli::Register reg{"keygen", "write a new encryption key file (session files)",
                                &run_keygen};

}  // namespace

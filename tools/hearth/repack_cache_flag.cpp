#include "repack_cache_flag.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/log.hpp"

namespace hearth::cli {
namespace {

void show_cache_warnings(int level, const char* message, void*) {
  if (level >= static_cast<int>(LogLevel::kWarn) && std::strstr(message, "repack cache"))
    std::fprintf(stderr, "hearth: %s\n", message);
}

}  // namespace

bool takes_repack_cache_flag(const std::string& command) {
  for (const char* c : {"run", "chat", "bench", "batch", "serve"})
    if (command == c) return true;
  return false;
}

bool take_repack_cache_flag(std::vector<std::string>& args) {
  const std::string flag = "--repack-cache";
  for (size_t i = 0; i < args.size(); ++i) {
    std::string dir;
    size_t n = 1;
    if (args[i] == flag) {
      if (i + 1 >= args.size() || args[i + 1].empty()) {
        std::fprintf(stderr, "hearth: --repack-cache needs a directory\n");
        return false;
      }
      dir = args[i + 1];
      n = 2;
    } else if (args[i].rfind(flag + "=", 0) == 0) {
      dir = args[i].substr(flag.size() + 1);
    } else {
      continue;
    }
    args.erase(args.begin() + static_cast<std::ptrdiff_t>(i),
               args.begin() + static_cast<std::ptrdiff_t>(i + n));
#if defined(_WIN32)
    _putenv_s("HEARTH_REPACK_CACHE", dir.c_str());
#else
    setenv("HEARTH_REPACK_CACHE", dir.c_str(), 1);
#endif
    set_log_callback(show_cache_warnings, nullptr);
    --i;
  }
  return true;
}

}  // namespace hearth::cli

#include "core/log.hpp"

#include <mutex>
#include <shared_mutex>

namespace hearth {
namespace {

// Deliveries hold the lock shared (they may overlap); set_log_callback holds it exclusively, so
// that when it returns no delivery to the old callback is still running.
std::shared_mutex g_mu;
LogFn g_fn = nullptr;
void* g_user = nullptr;

}  // namespace

void set_log_callback(LogFn fn, void* user_data) {
  std::unique_lock<std::shared_mutex> lock(g_mu);
  g_fn = fn;
  g_user = user_data;
}

void log(LogLevel level, const std::string& message) noexcept {
  std::shared_lock<std::shared_mutex> lock(g_mu);
  if (g_fn) g_fn(static_cast<int>(level), message.c_str(), g_user);
}

}  // namespace hearth

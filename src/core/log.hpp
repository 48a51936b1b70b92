// The library's diagnostics. hearth never writes to stdout or stderr: a message goes to the
// callback the application set (hearth_log_set in the C ABI), or nowhere (the default).
#pragma once

#include <string>

namespace hearth {

enum class LogLevel : int { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };  // = hearth_log_level

using LogFn = void (*)(int level, const char* message, void* user_data);

// Thread-safe. Once it returns, no message reaches the previous callback.
void set_log_callback(LogFn fn, void* user_data);
// Delivers `message` (no trailing newline) to the callback, if any; deliveries may run
// concurrently on several threads. Never throws.
void log(LogLevel level, const std::string& message) noexcept;

}  // namespace hearth

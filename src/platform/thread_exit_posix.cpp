// POSIX (glibc, macOS): a thread_local list whose destructor runs the callbacks; these
// platforms destroy thread_local objects before releasing their storage.
#include <utility>
#include <vector>

#include "platform/per_thread.hpp"

namespace hearth::platform {
namespace {

struct ExitList {
  std::vector<std::pair<ThreadExitFn, void*>> calls;
  ~ExitList() {
    while (!calls.empty()) {
      const auto [fn, arg] = calls.back();
      calls.pop_back();
      fn(arg);
    }
  }
};

}  // namespace

void at_thread_exit(ThreadExitFn fn, void* arg) {
  thread_local ExitList list;
  list.calls.emplace_back(fn, arg);
}

}  // namespace hearth::platform

// Windows: one fiber local storage slot whose callback Windows calls when a thread ends (and
// when the slot is freed), with that thread's list of calls. Nothing here lives in emutls.
#include <windows.h>

#include <utility>
#include <vector>

#include "platform/per_thread.hpp"

namespace hearth::platform {
namespace {

using ExitList = std::vector<std::pair<ThreadExitFn, void*>>;

void WINAPI run_exit_list(void* data) {
  auto* list = static_cast<ExitList*>(data);
  if (!list) return;
  while (!list->empty()) {
    const auto [fn, arg] = list->back();
    list->pop_back();
    fn(arg);
  }
  delete list;
}

// The slot, freed when hearth is unloaded (a DLL that is freed must not leave Windows a
// callback into unmapped code).
struct Slot {
  DWORD index = FlsAlloc(run_exit_list);
  ~Slot() {
    if (index != FLS_OUT_OF_INDEXES) FlsFree(index);
  }
};

}  // namespace

void at_thread_exit(ThreadExitFn fn, void* arg) {
  static Slot slot;
  if (slot.index == FLS_OUT_OF_INDEXES) return;  // the object leaks: better than a crash
  auto* list = static_cast<ExitList*>(FlsGetValue(slot.index));
  if (!list) {
    list = new ExitList();
    FlsSetValue(slot.index, list);
  }
  list->emplace_back(fn, arg);
}

}  // namespace hearth::platform

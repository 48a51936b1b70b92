// Per-thread objects that are destroyed safely when their thread ends, on every platform.
//
// Why not plain `thread_local T` for a T with a destructor: MinGW-w64's GCC implements
// thread_local through emutls, whose storage winpthreads frees at thread exit *before* the
// C++ destructors of the thread_local objects in it run (mingw-w64 bugs 527 and 859, GCC PR
// 80816): a thread_local std::vector or std::string then frees memory that is already free,
// which corrupts the heap (seen as crashes of hearth's worker threads under Wine). A
// thread_local *pointer* has no destructor; the object it points to is freed by
// at_thread_exit (thread_exit_posix.cpp: a thread_local list; thread_exit_win32.cpp: a fiber
// local storage callback, which Windows runs at thread exit independently of emutls).
#pragma once

namespace hearth::platform {

using ThreadExitFn = void (*)(void*);

// Calls fn(arg) when the calling thread ends, in reverse order of registration. Not called
// for threads still running when the process exits.
void at_thread_exit(ThreadExitFn fn, void* arg);

// The calling thread's T (default-constructed on first use), destroyed when the thread ends.
// Tag tells apart two per-thread objects of the same type (a struct local to the call site).
template <typename T, typename Tag>
T& per_thread() {
  thread_local T* object = nullptr;
  if (!object) {
    object = new T();
    at_thread_exit([](void* p) { delete static_cast<T*>(p); }, object);
  }
  return *object;
}

}  // namespace hearth::platform

// Version, errors and system information.
#include <cstring>
#include <mutex>
#include <new>
#include <string>

#include "capi_internal.hpp"
#include "core/log.hpp"
#include "hearth/cpu.hpp"
#include "platform/per_thread.hpp"

namespace hearth::capi {
namespace {
// Not thread_local std::string: MinGW frees that twice at thread exit (platform/per_thread.hpp).
struct LastErrorTag {};
std::string& t_last_error() {
  return platform::per_thread<std::string, LastErrorTag>();
}
}  // namespace

const char* last_error_c_str() {
  return t_last_error().c_str();
}

void set_last_error(const std::string& message) {
  t_last_error() = message;
}
void clear_last_error() {
  t_last_error().clear();
}

hearth_status to_c_status(Status status) {
  return static_cast<hearth_status>(status);
}

hearth_status write_text(const std::string& text, char* buf, size_t capacity, size_t* out_len) {
  require(out_len, "out_len");
  *out_len = text.size();
  if (!buf || capacity < text.size() + 1) {
    set_last_error("buffer too small: " + std::to_string(text.size() + 1) + " bytes needed");
    return HEARTH_ERR_BUFFER_TOO_SMALL;
  }
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  return HEARTH_OK;
}

}  // namespace hearth::capi

using namespace hearth::capi;

extern "C" {

HEARTH_API const char* hearth_version(void) {
  return HEARTH_VERSION_STRING;
}

HEARTH_API const char* hearth_last_error(void) {
  return last_error_c_str();
}

HEARTH_API const char* hearth_status_string(hearth_status status) {
  switch (status) {
    case HEARTH_OK:
      return "ok";
    case HEARTH_ERR_INVALID_ARGUMENT:
      return "invalid argument";
    case HEARTH_ERR_IO:
      return "i/o error";
    case HEARTH_ERR_INVALID_MODEL:
      return "invalid model file";
    case HEARTH_ERR_UNSUPPORTED:
      return "unsupported";
    case HEARTH_ERR_OUT_OF_MEMORY:
      return "out of memory";
    case HEARTH_ERR_CONTEXT_FULL:
      return "context full";
    case HEARTH_ERR_CANCELLED:
      return "cancelled";
    case HEARTH_ERR_INTERNAL:
      return "internal error";
    case HEARTH_ERR_TEMPLATE:
      return "chat template error";
    case HEARTH_ERR_BUFFER_TOO_SMALL:
      return "buffer too small";
    case HEARTH_ERR_NOTHING_RUNNING:
      return "nothing was running";
    case HEARTH_ERR_CONTENT_FILTERED:
      return "blocked by the content filter";
  }
  return "unknown status";
}

HEARTH_API const char* hearth_system_info(void) {
  static const std::string info = [] {
    try {
      return hearth::system_info();
    } catch (...) {
      return std::string("unavailable");
    }
  }();
  return info.c_str();
}

HEARTH_API hearth_status hearth_cpu_info_get(hearth_cpu_info* out) {
  return guarded([&] {
    require_out_struct(out, "out");
    const auto& f = hearth::cpu_features();
    hearth_cpu_info info{};
    info.struct_size = out->struct_size;
    info.avx2 = f.avx2;
    info.fma = f.fma;
    info.f16c = f.f16c;
    info.avx512f = f.avx512f;
    info.avx512bw = f.avx512bw;
    info.avx512vl = f.avx512vl;
    info.avx512_vnni = f.avx512vnni;
    info.avx512_bf16 = f.avx512bf16;
    info.avx_vnni = f.avx_vnni;
    info.amx_int8 = f.amx_int8;
    info.logical_cores = f.logical_cores;
    info.neon = f.neon;
    info.neon_dotprod = f.dotprod;
    info.neon_i8mm = f.i8mm;
    info.neon_fp16 = f.fp16;
    info.neon_bf16 = f.bf16;
    info.sve = f.sve;
    // The ABI's numbers, fixed when the C ABI was published (avxvnni came later: 3), not the
    // C++ enum's order.
    switch (hearth::active_isa()) {
      case hearth::Isa::kScalar:
        info.isa_level = 0;
        break;
      case hearth::Isa::kAvx2:
        info.isa_level = 1;
        break;
      case hearth::Isa::kAvx512:
        info.isa_level = 2;
        break;
      case hearth::Isa::kAvxVnni:
        info.isa_level = 3;
        break;
      case hearth::Isa::kNeon:
        info.isa_level = 4;
        break;
      case hearth::Isa::kNeonDotprod:
        info.isa_level = 5;
        break;
      case hearth::Isa::kNeonI8mm:
        info.isa_level = 6;
        break;
    }
    write_sized(out, info, "out");
    return HEARTH_OK;
  });
}

}  // extern "C"

namespace {

struct CLogTarget {
  hearth_log_fn fn;
  void* user_data;
};
CLogTarget* g_log_target = nullptr;  // replaced only by hearth_log_set, under g_log_set_mu
std::mutex g_log_set_mu;

void c_log_trampoline(int level, const char* message, void* target) {
  const auto* t = static_cast<const CLogTarget*>(target);
  t->fn(static_cast<hearth_log_level>(level), message, t->user_data);
}

}  // namespace

extern "C" HEARTH_API void hearth_log_set(hearth_log_fn callback, void* user_data) {
  std::lock_guard<std::mutex> lock(g_log_set_mu);
  CLogTarget* old = g_log_target;
  g_log_target = callback ? new (std::nothrow) CLogTarget{callback, user_data} : nullptr;
  if (g_log_target)
    hearth::set_log_callback(&c_log_trampoline, g_log_target);
  else
    hearth::set_log_callback(nullptr, nullptr);
  delete old;  // set_log_callback returned: no delivery reads it any more
}

// Version, errors and system information.
#include <cstring>
#include <string>

#include "capi_internal.hpp"
#include "hearth/cpu.hpp"

namespace hearth::capi {
namespace {
thread_local std::string t_last_error;
}

const char* last_error_c_str() { return t_last_error.c_str(); }

void set_last_error(const std::string& message) { t_last_error = message; }
void clear_last_error() { t_last_error.clear(); }

hearth_status to_c_status(Status status) { return static_cast<hearth_status>(status); }

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

HEARTH_API const char* hearth_version(void) { return HEARTH_VERSION_STRING; }

HEARTH_API const char* hearth_last_error(void) { return last_error_c_str(); }

HEARTH_API const char* hearth_status_string(hearth_status status) {
  switch (status) {
    case HEARTH_OK: return "ok";
    case HEARTH_ERR_INVALID_ARGUMENT: return "invalid argument";
    case HEARTH_ERR_IO: return "i/o error";
    case HEARTH_ERR_INVALID_MODEL: return "invalid model file";
    case HEARTH_ERR_UNSUPPORTED: return "unsupported";
    case HEARTH_ERR_OUT_OF_MEMORY: return "out of memory";
    case HEARTH_ERR_CONTEXT_FULL: return "context full";
    case HEARTH_ERR_CANCELLED: return "cancelled";
    case HEARTH_ERR_INTERNAL: return "internal error";
    case HEARTH_ERR_TEMPLATE: return "chat template error";
    case HEARTH_ERR_BUFFER_TOO_SMALL: return "buffer too small";
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
    require_params(out, "out");
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
    info.isa_level = static_cast<int>(hearth::active_isa());
    std::memcpy(out, &info, out->struct_size);
    return HEARTH_OK;
  });
}

}  // extern "C"

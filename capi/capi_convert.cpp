// hearth_convert: Hugging Face / llama2.c checkpoints to GGUF.
#include <cstring>

#include "capi_internal.hpp"
#include "hearth/convert.hpp"

using namespace hearth::capi;

hearth_convert_params hearth::capi::convert_params_defaults() {
  hearth_convert_params p{};
  p.struct_size = sizeof p;
  p.type = "f16";
  return p;
}

extern "C" {


HEARTH_API hearth_status hearth_convert_params_init(hearth_convert_params* params, size_t size) {
  return init_sized(params, size, convert_params_defaults());
}

HEARTH_API hearth_status hearth_convert(const hearth_convert_params* params) {
  return guarded([&] {
    require(params, "params");
    // Fields beyond the caller's struct_size (an older caller) keep their defaults.
    const hearth_convert_params p = read_sized(params, convert_params_defaults(), "params");
    require(p.input, "params->input");
    require(p.output, "params->output");
    hearth::ConvertOptions o;
    o.input = p.input;
    o.output = p.output;
    if (p.llama2c_tokenizer) o.llama2c_tokenizer = p.llama2c_tokenizer;
    o.type = hearth::convert_type_from_name(p.type ? p.type : "f16");
    if (p.progress) {
      o.progress = [fn = p.progress, ud = p.progress_user_data](uint64_t done, uint64_t total) {
        return fn(done, total, ud) == 0;  // non-zero from the callback cancels
      };
    }
    hearth::convert_model(o);
    return HEARTH_OK;
  });
}

}  // extern "C"

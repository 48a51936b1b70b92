// hearth_convert: Hugging Face / llama2.c checkpoints to GGUF.
#include <cstring>

#include "capi_internal.hpp"
#include "hearth/convert.hpp"

using namespace hearth::capi;

extern "C" {

HEARTH_API void hearth_convert_params_init(hearth_convert_params* params) {
  if (!params) return;
  *params = hearth_convert_params{};
  params->struct_size = sizeof(hearth_convert_params);
  params->type = "f16";
}

HEARTH_API hearth_status hearth_convert(const hearth_convert_params* params) {
  return guarded([&] {
    require_params(params, "params");
    // Fields beyond the caller's struct_size (an older caller) keep their defaults.
    hearth_convert_params p;
    hearth_convert_params_init(&p);
    std::memcpy(&p, params, params->struct_size);
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

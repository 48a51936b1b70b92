// hearth_quantize: GGUF -> GGUF re-quantization.
#include "capi_internal.hpp"
#include "hearth/quantize_model.hpp"

using namespace hearth::capi;

extern "C" {

HEARTH_API hearth_status hearth_quantize(const char* input, const char* output, const char* type,
                                         hearth_progress_fn progress, void* user_data) {
  return guarded([&] {
    require(input, "input");
    require(output, "output");
    require(type, "type");
    hearth::QuantizeOptions o;
    o.input = input;
    o.output = output;
    o.type = hearth::quantize_type_from_name(type);
    if (progress) {
      o.progress = [progress, user_data](uint64_t done, uint64_t total) {
        return progress(done, total, user_data) == 0;  // non-zero from the callback cancels
      };
    }
    hearth::quantize_model(o);
    return HEARTH_OK;
  });
}

}  // extern "C"

// hearth_generate_params / hearth_sampler_params -> hearth::GenerateOptions: the one translation
// that hearth_generate and hearth_session_generate share, so every field reaches the core the
// same way (bad values: HEARTH_ERR_INVALID_ARGUMENT through hearth::capi::guarded).
#pragma once

#include "generate/generate.hpp"
#include "hearth.h"
#include "toolcall/tool_request.hpp"

namespace hearth::capi {

// params NULL: the defaults of hearth_generate_params_init. Checks struct sizes, NULL arrays,
// max_tokens, and the sampler values (validate_sampler_config: messages name the field).
// tools_json is rejected unless `allow_tools` (hearth_session_generate reads it itself, with
// generate_tool_request).
GenerateOptions to_generate_options(const hearth_generate_params* params, bool allow_tools = false);

// The tools_json / tool_choice of params (no tools when params is NULL or older than them).
toolcall::ToolRequest generate_tool_request(const hearth_generate_params* params);

// Writes `r` to *result (when non-NULL; its struct_size was checked) and returns HEARTH_OK, or
// HEARTH_ERR_CANCELLED with the last error set when the generation was cancelled.
hearth_status report_generation(const GenerateResult& r, hearth_generation_result* result);

// Every field of hearth_sampler_params (NULL: the defaults of hearth_sampler_params_init). A
// grammar is parsed (a json_schema converted) here, so a bad one fails the call that takes it.
SamplerConfig to_sampler_config(const hearth_sampler_params* params);

}  // namespace hearth::capi

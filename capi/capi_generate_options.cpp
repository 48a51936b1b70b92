#include "capi_generate_options.hpp"

#include <fmt/format.h>

#include <cstring>

#include "capi_internal.hpp"
#include "grammar/gbnf.hpp"
#include "grammar/json_schema.hpp"

namespace hearth::capi {
namespace {

// grammar or json_schema (at most one) into c.grammar, checked now rather than mid-generation.
void read_grammar(const hearth_sampler_params& s, SamplerConfig& c) {
  const bool has_grammar = s.grammar && *s.grammar, has_schema = s.json_schema && *s.json_schema;
  if (has_grammar && has_schema) invalid("params->sampler: give grammar or json_schema, not both");
  if (has_grammar) {
    c.grammar = s.grammar;
    grammar::parse_gbnf(c.grammar);  // throws kInvalidArgument "grammar:LINE:COL: ..."
  } else if (has_schema) {
    c.grammar = grammar::json_schema_to_gbnf(s.json_schema);
  }
}

}  // namespace

SamplerConfig to_sampler_config(const hearth_sampler_params* params) {
  const auto s = read_sized(params, sampler_params_defaults(), "params->sampler");
  SamplerConfig c;
  c.temperature = s.temperature;
  c.top_k = s.top_k;
  c.top_p = s.top_p;
  c.min_p = s.min_p;
  c.typical_p = s.typical_p;
  c.repeat_penalty = s.repeat_penalty;
  c.frequency_penalty = s.frequency_penalty;
  c.presence_penalty = s.presence_penalty;
  c.penalty_last_n = s.penalty_last_n;
  c.seed = s.seed;
  if (s.n_logit_bias > 0) require(s.logit_bias, "params->sampler->logit_bias");
  c.logit_bias.reserve(s.n_logit_bias);
  for (size_t i = 0; i < s.n_logit_bias; ++i)
    c.logit_bias.push_back({s.logit_bias[i].token, s.logit_bias[i].bias});
  read_grammar(s, c);
  validate_sampler_config(c, 0);  // the vocabulary check follows in generate()
  return c;
}

toolcall::ToolRequest generate_tool_request(const hearth_generate_params* params) {
  const auto p = read_sized(params, generate_params_defaults(), "params");
  return toolcall::parse_tool_request(p.tools_json ? p.tools_json : "",
                                      p.tool_choice ? p.tool_choice : "", p.max_tool_calls);
}

GenerateOptions to_generate_options(const hearth_generate_params* params, bool allow_tools) {
  const auto p = read_sized(params, generate_params_defaults(), "params");
  if (p.tools_json && !allow_tools)
    invalid(
        "params->tools_json needs a conversation: use hearth_session_generate or "
        "hearth_engine_submit with messages");
  GenerateOptions opt;
  if (p.max_tokens < 0) invalid(fmt::format("max_tokens {} is negative", p.max_tokens));
  opt.max_tokens = p.max_tokens;
  if (p.sampler) opt.sampler = to_sampler_config(p.sampler);
  if (p.n_stop_strings > 0) require(p.stop_strings, "params->stop_strings");
  for (size_t i = 0; i < p.n_stop_strings; ++i) {
    if (!p.stop_strings[i]) invalid(fmt::format("params->stop_strings[{}] is NULL", i));
    opt.stop_strings.emplace_back(p.stop_strings[i]);
  }
  if (p.on_token) {
    const hearth_token_callback cb = p.on_token;
    void* const user = p.user_data;
    opt.on_token = [cb, user](int token, const std::string& text) {
      hearth_generation_event ev{};
      ev.struct_size = sizeof ev;
      ev.token = token;  // kFlushToken (-1) for the final flush of held-back text
      ev.text = text.c_str();
      ev.text_len = text.size();
      return cb(&ev, user) == 0;
    };
  }
  return opt;
}

hearth_status report_generation(const GenerateResult& r, hearth_generation_result* result) {
  if (result) {
    hearth_generation_result out{};
    out.n_prompt_tokens = r.n_prompt;
    out.n_generated = static_cast<int32_t>(r.tokens.size());
    out.stop_reason = static_cast<int32_t>(r.stop_reason);
    out.time_to_first_token_ms = r.time_to_first_token_ms;
    out.prompt_tokens_per_s = r.prompt_tokens_per_s;
    out.gen_tokens_per_s = r.gen_tokens_per_s;
    write_sized(result, out, "result");
  }
  if (r.stop_reason == StopReason::kCancelled) {
    set_last_error("generation cancelled");
    return HEARTH_ERR_CANCELLED;
  }
  return HEARTH_OK;
}

}  // namespace hearth::capi

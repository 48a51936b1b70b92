// Validation of SamplerConfig: every message names the field so C and Python callers can act.
#include "sampler/sampler_config.hpp"

#include <fmt/format.h>

#include <cmath>

#include "hearth/error.hpp"

namespace hearth {
namespace {

[[noreturn]] void bad(const std::string& message) {
  fail(Status::kInvalidArgument, message);
}

void require_in_unit(const char* name, float v, bool zero_allowed) {
  if (std::isnan(v)) bad(fmt::format("{} is NaN", name));
  if (v > 1.0f || v < 0.0f || (!zero_allowed && v == 0.0f))
    bad(fmt::format("{} {} is outside {}0, 1]", name, v, zero_allowed ? "[" : "("));
}

void require_finite(const char* name, float v) {
  if (!std::isfinite(v)) bad(fmt::format("{} {} is not a finite number", name, v));
}

}  // namespace

void validate_sampler_config(const SamplerConfig& c, int n_vocab) {
  if (std::isnan(c.temperature)) bad("temperature is NaN");
  if (c.temperature < 0.0f) bad(fmt::format("temperature {} is negative", c.temperature));
  if (std::isinf(c.temperature)) bad("temperature is infinite");
  if (c.top_k < 0) bad(fmt::format("top_k {} is negative", c.top_k));
  require_in_unit("top_p", c.top_p, false);
  require_in_unit("min_p", c.min_p, true);
  require_in_unit("typical_p", c.typical_p, false);
  require_finite("repeat_penalty", c.repeat_penalty);
  if (c.repeat_penalty <= 0.0f)
    bad(fmt::format("repeat_penalty {} must be > 0 (1 = off)", c.repeat_penalty));
  require_finite("frequency_penalty", c.frequency_penalty);
  require_finite("presence_penalty", c.presence_penalty);
  if (c.penalty_last_n < -1)
    bad(fmt::format("penalty_last_n {} must be >= -1 (-1 = whole history)", c.penalty_last_n));
  for (size_t i = 0; i < c.logit_bias.size(); ++i) {
    const LogitBias& b = c.logit_bias[i];
    if (std::isnan(b.bias) || b.bias == INFINITY)
      bad(fmt::format("logit_bias[{}].bias {} must be finite or -INFINITY", i, b.bias));
    if (b.token < 0) bad(fmt::format("logit_bias[{}].token {} is negative", i, b.token));
    if (n_vocab > 0 && b.token >= n_vocab)
      bad(fmt::format("logit_bias[{}].token {} is outside the vocabulary (0..{})", i, b.token,
                      n_vocab - 1));
  }
  if (!c.grammar_triggers.empty() && c.grammar.empty())
    bad("grammar_triggers need a grammar (they say when it starts to apply)");
  for (size_t i = 0; i < c.grammar_triggers.size(); ++i)
    if (c.grammar_triggers[i].empty()) bad(fmt::format("grammar_triggers[{}] is empty", i));
}

}  // namespace hearth

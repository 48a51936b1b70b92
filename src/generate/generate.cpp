#include "generate/generate.hpp"

#include <chrono>

#include "hearth/error.hpp"
#include "hearth/tokenizer.hpp"
#include "sampler/stop_string_stream.hpp"

namespace hearth {
namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// Context::decode, except that a cancel() from another thread returns false instead of
// throwing: generation then ends normally with StopReason::kCancelled.
bool decode_or_cancelled(Context& ctx, const int32_t* tokens, size_t n) {
  try {
    ctx.decode(tokens, n);
    return true;
  } catch (const Error& e) {
    if (e.status() == Status::kCancelled) return false;
    throw;
  }
}

}  // namespace

GenerateResult generate(Context& ctx, const int32_t* prompt, size_t n_prompt,
                        const GenerateOptions& options) {
  if (options.max_tokens < 0) fail(Status::kInvalidArgument, "max_tokens must be >= 0");
  if (n_prompt > 0 && !prompt) fail(Status::kInvalidArgument, "prompt is NULL");
  validate_sampler_config(options.sampler, ctx.n_vocab());
  GenerateResult result;
  result.n_prompt = static_cast<int>(n_prompt);
  const Model& model = ctx.model();
  const Tokenizer* tokenizer = model.tokenizer();
  Sampler sampler(options.sampler, tokenizer);
  result.seed = sampler.seed();
  for (int32_t t : options.history) sampler.accept_prompt(t);
  for (size_t i = 0; i < n_prompt; ++i) sampler.accept_prompt(prompt[i]);
  StopStringStream stream(options.stop_strings);
  // The whole generation is one cancellable call (a cancel between two decodes stops it too).
  Context::CallScope scope(ctx);

  const auto t0 = Clock::now();
  if (n_prompt > 0 && !decode_or_cancelled(ctx, prompt, n_prompt)) {
    result.stop_reason = StopReason::kCancelled;
    return result;
  }
  const double prompt_ms = ms_between(t0, Clock::now());
  result.prompt_tokens_per_s = n_prompt > 0 && prompt_ms > 0 ? n_prompt * 1000.0 / prompt_ms : 0;
  const float* logits = ctx.logits();  // throws when nothing was ever decoded

  int n_sampled = 0;  // tokens drawn, the end-of-generation one included
  Clock::time_point t_first, t_last;
  for (;;) {
    if (static_cast<int>(result.tokens.size()) >= options.max_tokens) {
      result.stop_reason = StopReason::kMaxTokens;  // only with max_tokens == 0
      break;
    }
    if (ctx.cancel_requested()) {
      result.stop_reason = StopReason::kCancelled;
      break;
    }
    const int token = sampler.sample(logits, ctx.n_vocab());
    t_last = Clock::now();
    if (n_sampled++ == 0) {
      t_first = t_last;
      result.time_to_first_token_ms = ms_between(t0, t_first);
    }
    if (model.is_eog(token)) {
      result.stop_reason = StopReason::kEog;
      const std::string rest = stream.finish();
      if (options.on_token && !rest.empty()) options.on_token(kFlushToken, rest);
      break;
    }
    result.tokens.push_back(token);
    sampler.accept(token);
    StopStringStream::Step step =
        stream.push(tokenizer ? tokenizer->token_to_piece(token) : std::string());
    const bool out_of_tokens = static_cast<int>(result.tokens.size()) >= options.max_tokens;
    const bool out_of_context = ctx.n_past() >= ctx.n_ctx();  // no room for this token
    if (!step.stopped && (out_of_tokens || out_of_context)) step.text += stream.finish();
    if (options.on_token && !options.on_token(token, step.text)) {
      result.stop_reason = StopReason::kCancelled;
      break;
    }
    if (step.stopped) {
      result.stop_reason = StopReason::kStopString;
      break;
    }
    if (out_of_tokens || out_of_context) {
      result.stop_reason = StopReason::kMaxTokens;
      break;
    }
    const int32_t t32 = token;
    if (!decode_or_cancelled(ctx, &t32, 1)) {
      result.stop_reason = StopReason::kCancelled;
      break;
    }
    logits = ctx.logits();
  }
  if (result.stop_reason != StopReason::kCancelled && !scope.complete())
    result.stop_reason = StopReason::kCancelled;  // a cancel that came as it ended
  const double gen_ms = n_sampled > 1 ? ms_between(t_first, t_last) : 0;
  result.gen_tokens_per_s = gen_ms > 0 ? (n_sampled - 1) * 1000.0 / gen_ms : 0;
  return result;
}

}  // namespace hearth

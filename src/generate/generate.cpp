#include "generate/generate.hpp"

#include <chrono>

#include "generate/piece.hpp"
#include "hearth/error.hpp"
#include "hearth/tokenizer.hpp"

namespace hearth {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// Streams text: holds back an incomplete UTF-8 tail and any tail that could begin a stop string.
class TextStream {
 public:
  explicit TextStream(const std::vector<std::string>& stops) : stops_(stops) {}

  // Appends a piece; returns the text now final. Sets `stopped` when a stop string appeared.
  std::string push(const std::string& piece, bool& stopped) {
    pending_ += piece;
    for (const auto& s : stops_) {
      if (s.empty()) continue;
      const size_t at = pending_.find(s);
      if (at != std::string::npos) {
        stopped = true;
        std::string out = pending_.substr(0, at);
        pending_.clear();
        return out;
      }
    }
    size_t keep_from = complete_utf8_prefix(pending_);
    for (const auto& s : stops_)
      for (size_t len = std::min(s.size() - 1, pending_.size()); len > 0; --len)
        if (pending_.compare(pending_.size() - len, len, s, 0, len) == 0) {
          keep_from = std::min(keep_from, pending_.size() - len);
          break;
        }
    std::string out = pending_.substr(0, keep_from);
    pending_.erase(0, keep_from);
    return out;
  }

 private:
  const std::vector<std::string>& stops_;
  std::string pending_;
};

}  // namespace

GenerateResult generate(Context& ctx, const int32_t* prompt, size_t n_prompt,
                        const GenerateOptions& options) {
  if (options.max_tokens < 0) fail(Status::kInvalidArgument, "max_tokens must be >= 0");
  GenerateResult result;
  result.n_prompt = static_cast<int>(n_prompt);
  const Model& model = ctx.model();
  const Tokenizer* tokenizer = model.tokenizer();
  Sampler sampler(options.sampler);
  TextStream stream(options.stop_strings);
  ctx.clear_cancel();

  const auto t0 = Clock::now();
  if (n_prompt > 0) ctx.decode(prompt, n_prompt);
  const double prompt_ms = ms_since(t0);
  result.prompt_tokens_per_s = prompt_ms > 0 ? n_prompt * 1000.0 / prompt_ms : 0;
  const float* logits = ctx.logits();  // throws when nothing was ever decoded

  const auto t_gen = Clock::now();
  for (;;) {
    if (static_cast<int>(result.tokens.size()) >= options.max_tokens) {
      result.stop_reason = StopReason::kMaxTokens;
      break;
    }
    if (ctx.cancel_requested()) {
      result.stop_reason = StopReason::kCancelled;
      break;
    }
    const int token = sampler.sample(logits, ctx.n_vocab());
    if (result.tokens.empty()) result.time_to_first_token_ms = ms_since(t0);
    if (model.is_eog(token)) {
      result.stop_reason = StopReason::kEog;
      break;
    }
    result.tokens.push_back(token);
    bool stopped = false;
    const std::string text =
        stream.push(tokenizer ? tokenizer->token_to_piece(token) : std::string(), stopped);
    if (options.on_token && !options.on_token(token, text)) {
      result.stop_reason = StopReason::kCancelled;
      break;
    }
    if (stopped) {
      result.stop_reason = StopReason::kStopString;
      break;
    }
    if (static_cast<int>(result.tokens.size()) >= options.max_tokens) continue;
    if (ctx.n_past() >= ctx.n_ctx()) {  // no room for the token just sampled
      result.stop_reason = StopReason::kMaxTokens;
      break;
    }
    const int32_t t32 = token;
    ctx.decode(&t32, 1);
    logits = ctx.logits();
  }
  const double gen_ms = ms_since(t_gen);
  result.gen_tokens_per_s = gen_ms > 0 ? result.tokens.size() * 1000.0 / gen_ms : 0;
  return result;
}

}  // namespace hearth

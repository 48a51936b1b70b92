// Session: conversation bookkeeping and incremental generation with prefix reuse.
#include "session/session.hpp"

#include <fmt/format.h>

#include "hearth/error.hpp"
#include "hearth/tokenizer.hpp"
#include "template/model_template.hpp"
#include "tokenizer/unicode.hpp"

namespace hearth {
namespace {

const Tokenizer& tokenizer_of(const std::shared_ptr<const Model>& model) {
  if (!model) fail(Status::kInvalidArgument, "Session: no model");
  if (!model->tokenizer())
    fail(Status::kUnsupported, "Session: the model has no (supported) tokenizer");
  return *model->tokenizer();
}

std::string token_text_or_empty(const Tokenizer& tok, int32_t id) {
  return id >= 0 && id < tok.n_vocab() ? tok.token_text(id) : std::string();
}

}  // namespace

void validate_chat_message(const std::string& role, const std::string& content) {
  if (role != "system" && role != "user" && role != "assistant" && role != "tool")
    fail(Status::kInvalidArgument,
         fmt::format("unknown role '{}' (expected system, user, assistant or tool)", role));
  for (size_t i = 0; i < content.size();) {
    const size_t len = tok::valid_utf8_at(content, i);
    if (len == 0)
      fail(Status::kInvalidArgument,
           fmt::format("message content is not valid UTF-8 (byte {})", i));
    i += len;
  }
}

Session::Session(std::shared_ptr<const Model> model, const SessionParams& params)
    : model_(model),
      tokenizer_(tokenizer_of(model)),
      ctx_(std::move(model), params.context),
      cache_(params.prompt_cache_bytes) {
  template_ = params.chat_template;
  if (template_.empty() && !params.ignore_model_template)
    template_ = model_->file().get_string("tokenizer.chat_template").value_or(std::string());
}

void Session::add_message(const std::string& role, const std::string& content) {
  validate_chat_message(role, content);
  messages_.push_back({role, content});
}

void Session::add_message(const tmpl::ChatMessage& message) {
  validate_chat_message(message.role, message.content);
  messages_.push_back(message);
}

void Session::set_messages(const std::vector<tmpl::ChatMessage>& messages) {
  for (const auto& m : messages) validate_chat_message(m.role, m.content);
  stash_in_prompt_cache();
  messages_ = messages;
}

void Session::pop_message() {
  if (messages_.empty()) fail(Status::kInvalidArgument, "pop_message: the conversation is empty");
  messages_.pop_back();
}

void Session::reset() {
  stash_in_prompt_cache();
  messages_.clear();
}

std::string Session::render_prompt() const {
  if (template_.empty()) return tmpl::render_fallback_chat(messages_, true);
  tmpl::RenderOptions opt;
  opt.add_generation_prompt = true;
  opt.bos_token = token_text_or_empty(tokenizer_, tokenizer_.bos());
  opt.eos_token = token_text_or_empty(tokenizer_, tokenizer_.eos());
  opt.tools_json = tools_json_;
  return tmpl::render_chat_template(template_, messages_, opt);
}

std::vector<int32_t> Session::prompt_tokens() const {
  return tmpl::chat_text_tokens(tokenizer_, render_prompt());
}

void Session::stash_in_prompt_cache() {
  if (cache_.budget() == 0 || cached_.empty()) return;
  PromptCacheEntry entry;
  entry.tokens = cached_;
  entry.kv = ctx_.export_kv(static_cast<int>(cached_.size()));
  cache_.insert(std::move(entry));
}

size_t Session::reuse_prefix(const std::vector<int32_t>& tokens) {
  size_t keep = common_prefix(cached_, tokens);
  size_t shared = 0;
  if (const PromptCacheEntry* e = cache_.find(tokens, keep, &shared)) {
    // Keep the state being replaced too (it may be what the caller comes back to); it is
    // inserted after the import, since the insert may evict `e`.
    PromptCacheEntry replaced;
    if (!cached_.empty()) {
      replaced.tokens = cached_;
      replaced.kv = ctx_.export_kv(static_cast<int>(cached_.size()));
    }
    ctx_.import_kv(e->kv, static_cast<int>(e->tokens.size()));
    cached_ = e->tokens;
    keep = shared;
    cache_.insert(std::move(replaced));
  }
  // The last prompt token must be evaluated to get the logits of the next one.
  if (keep == tokens.size()) --keep;
  ctx_.truncate(static_cast<int>(keep));
  cached_.resize(keep);
  return keep;
}

SessionReply Session::generate(const GenerateOptions& options) {
  if (messages_.empty()) fail(Status::kInvalidArgument, "generate: the conversation is empty");
  // Cancellable from here on (prefix reuse included), not only inside generate().
  Context::CallScope scope(ctx_);
  const std::vector<int32_t> tokens = prompt_tokens();
  if (tokens.empty()) fail(Status::kInvalidArgument, "generate: the prompt renders to no tokens");
  if (static_cast<int64_t>(tokens.size()) > ctx_.n_ctx())
    fail(Status::kContextFull,
         fmt::format("the conversation is {} tokens; n_ctx is {}", tokens.size(), ctx_.n_ctx()));
  SessionReply reply;
  reply.n_prompt_total = static_cast<int>(tokens.size());
  const size_t keep = reuse_prefix(tokens);
  reply.n_reused = static_cast<int>(keep);

  // Record what is sampled and streamed: after a cancel inside decode, generate() throws and
  // its result is lost, yet the KV cache holds some of these tokens.
  std::vector<int32_t> sampled;
  GenerateOptions opt = options;
  opt.on_token = [&](int token, const std::string& text) {
    if (token != kFlushToken) sampled.push_back(token);
    reply.text += text;
    return options.on_token ? options.on_token(token, text) : true;
  };
  // The reused prefix counts as history for the repetition penalties, as if decoded now.
  opt.history.assign(cached_.begin(), cached_.end());
  try {
    reply.result = hearth::generate(ctx_, tokens.data() + keep, tokens.size() - keep, opt);
  } catch (const Error& e) {
    if (e.status() != Status::kCancelled) {
      cached_.resize(std::min<size_t>(cached_.size(), ctx_.n_past()));
      throw;
    }
    reply.result = GenerateResult{};
    reply.result.tokens.assign(sampled.begin(), sampled.end());
    reply.result.n_prompt = static_cast<int>(tokens.size() - keep);
    reply.result.stop_reason = StopReason::kCancelled;
  }
  // The KV cache now holds the prompt (when its decode succeeded) and the sampled tokens that
  // were fed back; the last sampled one never is.
  const size_t held = static_cast<size_t>(ctx_.n_past());
  if (held >= tokens.size()) {
    cached_ = tokens;
    cached_.insert(cached_.end(), sampled.begin(),
                   sampled.begin() + std::min(sampled.size(), held - tokens.size()));
  }
  if (reply.result.stop_reason != StopReason::kCancelled && !scope.complete())
    reply.result.stop_reason = StopReason::kCancelled;  // a cancel that came as it ended
  if (reply.result.stop_reason != StopReason::kCancelled)
    messages_.push_back({"assistant", reply.text});
  return reply;
}

}  // namespace hearth

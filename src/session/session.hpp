// hearth::Session — a chat conversation over a Context that evaluates each turn incrementally.
//
// generate() renders the whole conversation with the chat template, tokenizes it, keeps the
// longest prefix the KV cache already holds (Context::truncate) and evaluates only the rest.
// Editing the conversation (set_messages, pop_message, reset) costs nothing up front: the next
// generate() again keeps whatever prefix still matches. With a prompt cache, the KV state of a
// conversation that was reset or replaced is kept (LRU within a byte budget) and restored when
// a later conversation shares a longer prefix with it than with the KV cache.
//
// Threading: one thread at a time, except cancel() (any thread).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "generate/generate.hpp"
#include "hearth/context.hpp"
#include "session/prompt_cache.hpp"
#include "template/chat_template.hpp"

namespace hearth {

namespace crypto {
class FileKey;
}

struct SessionParams {
  ContextParams context;
  // Jinja chat template; empty: the model's tokenizer.chat_template, or ChatML without one.
  std::string chat_template;
  // ChatML even when the model ships a template (benchmarks; models whose template is broken).
  bool ignore_model_template = false;
  size_t prompt_cache_bytes = 0;  // 0: no prompt cache
};

struct SessionReply {
  GenerateResult result;   // result.n_prompt: tokens evaluated for the prompt (after reuse)
  std::string text;        // the reply as streamed (stop strings excluded)
  int n_prompt_total = 0;  // tokens of the rendered prompt
  int n_reused = 0;        // of them, already in the KV cache (or restored from the cache)
};

class Session {
 public:
  // Throws kInvalidArgument (no model, bad context parameters) or kUnsupported (no tokenizer).
  Session(std::shared_ptr<const Model> model, const SessionParams& params);

  // Roles: system, user, assistant, tool (kInvalidArgument otherwise); content must be UTF-8.
  void add_message(const std::string& role, const std::string& content);
  // The same with tool-call fields (an assistant turn's tool_calls_json, a result's
  // tool_call_id), validated alike.
  void add_message(const tmpl::ChatMessage& message);
  // Replaces the conversation (validated like add_message; unchanged when one is invalid).
  void set_messages(const std::vector<tmpl::ChatMessage>& messages);
  // Removes the last message (kInvalidArgument when there is none).
  void pop_message();
  // Empties the conversation. The KV cache is kept: the next conversation reuses any prefix
  // it shares with this one, and the prompt cache (if any) keeps this one's state.
  void reset();
  const std::vector<tmpl::ChatMessage>& messages() const { return messages_; }
  // The Jinja template the conversation is rendered with ("": the ChatML fallback).
  const std::string& chat_template() const { return template_; }
  // Tool calling (toolcall/session_tools.hpp): the template's `tools` variable in the renders
  // that follow (OpenAI's tools array as JSON; "" leaves it undefined, the default).
  void set_tools_json(std::string tools_json) { tools_json_ = std::move(tools_json); }

  // Generates the assistant's reply to the conversation and appends it (unless cancelled:
  // a cancelled reply is NOT appended — the conversation stays as it was — but its evaluated
  // tokens stay in the KV cache). Cancellation is reported as result.stop_reason kCancelled,
  // not thrown. Throws kTemplateError, kContextFull (the conversation does not fit; nothing
  // changes), kInvalidArgument (empty conversation).
  SessionReply generate(const GenerateOptions& options);
  // As Context::cancel: false when no generate() was running.
  bool cancel() { return ctx_.cancel(); }

  // The prompt generate() would evaluate: rendered text and its tokens.
  std::string render_prompt() const;
  std::vector<int32_t> prompt_tokens() const;

  // Session files (session/session_file.cpp). save() writes atomically; load() validates the
  // whole file (magic, version, checksum, model fingerprint, contents) before changing
  // anything and throws kInvalidModel for a corrupt, truncated or other-model file, kIoError
  // when it cannot be read, kContextFull when its tokens do not fit n_ctx.
  // With a key, the file is sealed (crypto/sealed_file.hpp: AES-256-GCM, authenticated) and
  // load() also throws kInvalidModel for any modified or truncated byte and kInvalidArgument
  // for a wrong key or a clear file; without one, an encrypted file is kInvalidArgument.
  void save(const std::string& path, const crypto::FileKey* key = nullptr) const;
  void load(const std::string& path, const crypto::FileKey* key = nullptr);

  const Model& model() const { return *model_; }
  Context& context() { return ctx_; }
  // The tokens whose KV rows the context holds (ctx.n_past() of them).
  const std::vector<int32_t>& cached_tokens() const { return cached_; }
  const PromptCache& prompt_cache() const { return cache_; }

 private:
  // The clear file bytes, and their inverse: validate everything, then replace the session's
  // state (session_file.cpp).
  std::string encode() const;
  void decode(const std::string& data, const std::string& path);
  void stash_in_prompt_cache();
  // Brings the KV cache to the longest prefix of `tokens` available (restoring a prompt-cache
  // entry when it shares more); returns that prefix length.
  size_t reuse_prefix(const std::vector<int32_t>& tokens);

  std::shared_ptr<const Model> model_;
  const Tokenizer& tokenizer_;
  Context ctx_;
  std::string template_;  // empty: ChatML fallback
  std::string tools_json_;
  std::vector<tmpl::ChatMessage> messages_;
  std::vector<int32_t> cached_;
  PromptCache cache_;
};

// Throws kInvalidArgument for roles other than system/user/assistant/tool or invalid UTF-8.
void validate_chat_message(const std::string& role, const std::string& content);

}  // namespace hearth

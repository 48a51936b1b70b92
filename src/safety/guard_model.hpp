// GuardModel — a chat model used as a safety classifier (Llama Guard and any model that follows
// its answer format), run as ordinary requests on an engine: the conversation is judged by
// greedy-decoding a few tokens of the guard prompt and parsing "safe" / "unsafe\nS1,...".
//
// The prompt: a model whose own chat template is a guard template (it mentions unsafe content
// categories, as Llama Guard 3's does) gets the conversation as it is, rendered by that
// template (its own category list then applies); any other model gets guard_task()'s text as
// one user message in its template. Thread-safe: judge() may run from many threads at once
// (each is one engine request).
#pragma once

#include <vector>

#include "engine/engine.hpp"
#include "safety/filter.hpp"
#include "safety/guard_prompt.hpp"
#include "template/chat_template.hpp"

namespace hearth::safety {

struct GuardOptions {
  std::vector<GuardCategory> categories = llama_guard3_categories();
  int max_tokens = 16;            // the answer is two short lines
  bool block_unparseable = true;  // fail closed: an answer that is neither safe nor unsafe blocks
  double timeout_ms = 60000;      // per judgement (engine deadline)
};

class GuardModel {
 public:
  // The engine (and its model) must outlive the GuardModel.
  explicit GuardModel(engine::Engine& engine, GuardOptions options = {});

  // Judges the last turn of the conversation. blocked with category "S1 Violent Crimes, ..." for
  // unsafe, "guard_unparseable" / "guard_failed" when the answer cannot be read or the request
  // did not finish (blocked only when block_unparseable).
  Verdict judge(const std::vector<tmpl::ChatMessage>& conversation) const;
  // The prompt judge() submits (tests, diagnostics).
  std::vector<int32_t> prompt_tokens(const std::vector<tmpl::ChatMessage>& conversation) const;
  // The raw answer of the last judge() on this thread (diagnostics).
  static const std::string& last_answer();
  bool uses_model_template() const { return model_template_; }

 private:
  engine::Engine& engine_;
  GuardOptions options_;
  bool model_template_ = false;
};

}  // namespace hearth::safety

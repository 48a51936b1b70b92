// hearth::safety::ContentFilter — screens user messages (check) and streamed model output
// (OutputGuard) against a rule set at a level (off / standard / strict), plus an optional
// application policy callback. A library component: it knows text, not models or engines.
//
// Output is checked over a sliding window. OutputGuard::feed(piece) returns only text that can
// no longer become part of a match: the tail that could still start a banned phrase (a prefix
// of a term, a regular expression's partial match, a term not yet followed by a word boundary)
// is held back until later pieces decide it. A phrase split across tokens is therefore caught
// before any of it is released, and once a guard blocks, it releases nothing more.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "safety/rules.hpp"

namespace hearth::safety {

enum class Direction { kInput, kOutput };

// An application policy: returns the category to block, or "" to allow. For input it sees the
// whole message; for output the guard's window (recently released text + held text, raw).
// Called on the checking thread; it must not call back into the same guard.
using PolicyFn = std::function<std::string(std::string_view text, Direction direction)>;

struct Verdict {
  bool blocked = false;
  std::string category;  // the rule's category, or the one the policy returned
  int rule_line = 0;     // line of the rule in its file (0: the policy)
};

struct FilterConfig {
  Level level = Level::kStandard;
  std::shared_ptr<const RuleSet> rules;  // may be null: only the policy applies
  PolicyFn policy;                       // may be empty; runs at every level, off included
  // Most bytes an OutputGuard holds back. A regular expression whose partial match grows past
  // it has its oldest bytes released (a documented limit: such a match may then be missed, its
  // start having been emitted). Terms never reach it unless a term is that long.
  size_t max_hold_bytes = 1024;
};

class OutputGuard;

class ContentFilter {
 public:
  // kInvalidArgument when level is not off and there are neither rules nor a policy.
  explicit ContentFilter(FilterConfig config);
  // Checks a whole text (a user message, or a complete reply).
  Verdict check(std::string_view text, Direction direction = Direction::kInput) const;
  Level level() const { return config_.level; }
  const FilterConfig& config() const { return config_; }

 private:
  friend class OutputGuard;
  FilterConfig config_;
};

// One reply's stream. Not thread-safe (one per generation); the filter must outlive it.
class OutputGuard {
 public:
  struct Step {
    std::string release;  // text safe to emit now (may be empty)
    bool blocked = false;
  };
  explicit OutputGuard(const ContentFilter& filter);
  ~OutputGuard();
  OutputGuard(const OutputGuard&) = delete;
  OutputGuard& operator=(const OutputGuard&) = delete;

  Step feed(std::string_view piece);
  // The end of the stream: releases what is held, unless it completes a match.
  Step finish();

  bool blocked() const { return verdict_.blocked; }
  const Verdict& verdict() const { return verdict_; }
  size_t held_bytes() const { return pending_.size(); }

 private:
  Step step(bool final);
  const ContentFilter& filter_;
  std::string context_;  // the last bytes released: left context for boundaries and lookbehind
  std::string pending_;  // held back
  Verdict verdict_;
  struct Scratch;
  std::unique_ptr<Scratch> scratch_;
};

}  // namespace hearth::safety

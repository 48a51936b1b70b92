// GrammarMatcher — where a grammar's parse can be after some bytes: a set of pushdown stacks
// (llama.cpp's "stacks": each a path of element positions whose top is a character element,
// or empty when the grammar has finished) plus a UTF-8 decoder state.
//
// Why interned ids everywhere: the token mask (token_mask.hpp) walks a trie of the whole
// vocabulary, one byte per trie node, from the current state. Stacks are persistent linked
// lists (a push shares the parent), stack sets and (set, decoder) states are interned, and
// the byte transitions of a state are cached in a 256-entry row, so most trie nodes cost one
// table lookup. The decoding replicates llama.cpp's decode_utf8 byte for byte (including its
// leniencies: a multi-byte sequence inside one token takes its continuation bytes unchecked,
// a sequence continued from the previous token checks them), so the same tokens are allowed.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "grammar/gbnf.hpp"

namespace hearth::grammar {

constexpr int32_t kDead = -1;  // no parse can continue

class GrammarMatcher {
 public:
  // merge_equivalent: interns states that no continuation can tell apart as one (see
  // canonical_value and accept_char); off only to check that merging changes nothing.
  explicit GrammarMatcher(const Grammar& grammar, bool merge_equivalent = true);

  // The state before any text: every alternative of the start rule, decoder idle.
  int32_t initial() const { return initial_; }
  // The state after one more byte, or kDead.
  int32_t step(int32_t state, uint8_t byte) { return step_in_row(state, row_of(state), byte); }
  // The same in two parts, for a walk that steps one state with many bytes: the row of state's
  // transitions (stays valid while the matcher lives or until compact()), then each byte.
  int32_t row_of(int32_t state) {
    int32_t& row = rows_[static_cast<size_t>(state)];
    if (row < 0) {
      row = static_cast<int32_t>(table_.size() / 256);
      table_.resize(table_.size() + 256, kUnknown);
    }
    return row;
  }
  int32_t step_in_row(int32_t state, int32_t row, uint8_t byte) {
    int32_t& next = table_[static_cast<size_t>(row) * 256 + byte];
    if (next == kUnknown) next = compute_step(state, byte);  // grows states_, never table_
    return next;
  }
  // True when a token may end in `state` (llama.cpp: no pending partial UTF-8 sequence, or
  // one that some stack's next character class could complete).
  bool token_may_end(int32_t state) {
    const int8_t memo = may_end_[static_cast<size_t>(state)];  // inline: once per trie node
    return memo >= 0 ? memo != 0 : compute_may_end(state);
  }
  // The state to continue from in the next token: a pending sequence is now checked.
  int32_t at_token_boundary(int32_t state);
  // The grammar has reached its end in some parse (end-of-generation allowed).
  bool can_end(int32_t state) const;
  // True when only the end is possible (every stack empty).
  bool only_end(int32_t state) const;
  // Text of the next characters the grammar allows, for error messages.
  std::string describe_expected(int32_t state) const;

  size_t n_states() const { return states_.size(); }
  // Drops every cache and re-interns `state` alone (returned): bounds memory on long runs.
  int32_t compact(int32_t state);

 private:
  static constexpr int32_t kUnknown = -2;
  struct StackNode {
    uint32_t pos;    // element index of the top
    int32_t parent;  // 0: the empty stack
  };
  struct State {
    int32_t set;  // index into sets_
    uint32_t value;
    int8_t n_remain;
    bool checked;  // continuation bytes of the pending sequence must be 10xxxxxx
  };

  int32_t push(int32_t parent, uint32_t pos);
  const std::vector<int32_t>& advance(int32_t stack);
  int32_t intern_set(std::vector<int32_t>& stacks);
  int32_t intern_state(const State& s);
  int32_t accept_char(int32_t set, uint32_t chr);
  int32_t accept_matched(int32_t set, uint64_t matched);
  uint32_t canonical_value(const State& s);
  bool uniform(uint32_t pos, uint32_t low, uint32_t high) const;
  int32_t compute_step(int32_t state, uint8_t byte);
  bool compute_may_end(int32_t state);
  bool is_end(uint32_t pos) const;
  std::pair<bool, uint32_t> match_char(uint32_t pos, uint32_t chr) const;
  bool match_partial(uint32_t pos, uint32_t value, int n_remain) const;
  void reset_caches();

  std::vector<Element> elems_;
  std::vector<uint32_t> rule_start_;
  int32_t initial_ = 0;

  std::vector<StackNode> nodes_;  // [0] is the empty stack
  std::unordered_map<uint64_t, int32_t> node_index_;
  std::unordered_map<int32_t, std::vector<int32_t>> advanced_;
  std::vector<std::vector<int32_t>> sets_;
  std::unordered_map<uint64_t, std::vector<int32_t>> set_index_;  // hash -> candidate sets
  std::unordered_map<uint64_t, int32_t> accept_memo_;             // (set, chr) -> set
  // Merging (merge_equivalent_), for sets of at most 64 stacks: the set after a character
  // depends only on which stacks' top elements match it (a bit per stack), so characters with
  // equal bits share one entry; a pending UTF-8 sequence whose every completion matches the
  // same stacks is interned under one representative value.
  bool merge_equivalent_;
  std::vector<std::vector<std::pair<uint64_t, int32_t>>> matched_memo_;  // per set: bits -> set
  struct Representative {
    int32_t set;
    int8_t n_remain;
    bool checked;
    uint64_t matched;
    uint32_t value;
  };
  std::unordered_map<uint64_t, std::vector<Representative>> canonical_;  // hash -> candidates
  std::vector<State> states_;
  std::unordered_map<uint64_t, std::vector<int32_t>> state_index_;
  std::vector<int32_t> rows_;    // state -> row of table_, -1 if none yet
  std::vector<int32_t> table_;   // [row * 256 + byte] -> state, kDead or kUnknown
  std::vector<int8_t> may_end_;  // per state: -1 unknown, 0, 1
};

}  // namespace hearth::grammar

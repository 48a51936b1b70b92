#include "grammar/matcher.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "hearth/error.hpp"

namespace hearth::grammar {
namespace {

// Bounds against grammars whose parses multiply (hostile or deeply ambiguous): exceeding one
// is an error, not an unbounded allocation.
constexpr size_t kMaxStacksPerSet = 1 << 15;
constexpr size_t kMaxExpansion = 1 << 16;  // stacks explored by one advance()

uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h;
}

}  // namespace

GrammarMatcher::GrammarMatcher(const Grammar& g, bool merge_equivalent)
    : merge_equivalent_(merge_equivalent) {
  for (const auto& rule : g.rules) {
    rule_start_.push_back(static_cast<uint32_t>(elems_.size()));
    elems_.insert(elems_.end(), rule.begin(), rule.end());
  }
  reset_caches();
  // One stack per alternative of the start rule (an empty alternative: the empty stack).
  std::vector<int32_t> stacks;
  uint32_t pos = rule_start_[g.root];
  for (;;) {
    const int32_t s = is_end(pos) ? 0 : push(0, pos);
    for (int32_t a : advance(s)) stacks.push_back(a);
    while (!is_end(pos)) ++pos;
    if (elems_[pos].type != ElemType::kAlt) break;
    ++pos;
  }
  initial_ = intern_state({intern_set(stacks), 0, 0, false});
}

void GrammarMatcher::reset_caches() {
  nodes_.assign(1, {0, 0});
  node_index_.clear();
  advanced_.clear();
  sets_.clear();
  set_index_.clear();
  accept_memo_.clear();
  matched_memo_.clear();
  canonical_.clear();
  states_.clear();
  state_index_.clear();
  rows_.clear();
  table_.clear();
  may_end_.clear();
}

bool GrammarMatcher::is_end(uint32_t pos) const {
  return elems_[pos].type == ElemType::kEnd || elems_[pos].type == ElemType::kAlt;
}

int32_t GrammarMatcher::push(int32_t parent, uint32_t pos) {
  const uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(parent)) << 32) | pos;
  const auto it = node_index_.find(key);
  if (it != node_index_.end()) return it->second;
  const auto id = static_cast<int32_t>(nodes_.size());
  nodes_.push_back({pos, parent});
  node_index_.emplace(key, id);
  return id;
}

// Expands rule references at the top until every stack has a character element on top (or is
// empty), as llama_grammar_advance_stack does.
const std::vector<int32_t>& GrammarMatcher::advance(int32_t stack) {
  const auto found = advanced_.find(stack);
  if (found != advanced_.end()) return found->second;
  std::vector<int32_t> out, todo{stack};
  std::vector<int32_t> seen;
  while (!todo.empty()) {
    const int32_t cur = todo.back();
    todo.pop_back();
    if (std::find(seen.begin(), seen.end(), cur) != seen.end()) continue;
    seen.push_back(cur);
    if (seen.size() > kMaxExpansion)
      fail(Status::kInvalidArgument,
           "grammar: a rule expands without consuming text beyond the limit (a rule that "
           "reaches itself through rules that match nothing?)");
    if (cur == 0) {
      out.push_back(cur);
      continue;
    }
    const StackNode node = nodes_[static_cast<size_t>(cur)];
    const Element& e = elems_[node.pos];
    if (e.type != ElemType::kRuleRef) {
      out.push_back(cur);
      continue;
    }
    uint32_t sub = rule_start_[e.value];
    for (;;) {
      int32_t next = node.parent;
      if (!is_end(node.pos + 1)) next = push(next, node.pos + 1);
      if (!is_end(sub)) next = push(next, sub);
      todo.push_back(next);
      while (!is_end(sub)) ++sub;
      if (elems_[sub].type != ElemType::kAlt) break;
      ++sub;
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return advanced_.emplace(stack, std::move(out)).first->second;
}

int32_t GrammarMatcher::intern_set(std::vector<int32_t>& stacks) {
  std::sort(stacks.begin(), stacks.end());
  stacks.erase(std::unique(stacks.begin(), stacks.end()), stacks.end());
  if (stacks.empty()) return kDead;
  if (stacks.size() > kMaxStacksPerSet)
    fail(Status::kInvalidArgument,
         fmt::format("grammar: over {} simultaneous parses (a too ambiguous grammar)",
                     kMaxStacksPerSet));
  uint64_t h = stacks.size();
  for (int32_t s : stacks) h = mix(h, static_cast<uint64_t>(s));
  auto& bucket = set_index_[h];
  for (int32_t id : bucket)
    if (sets_[static_cast<size_t>(id)] == stacks) return id;
  const auto id = static_cast<int32_t>(sets_.size());
  sets_.push_back(stacks);
  matched_memo_.emplace_back();
  bucket.push_back(id);
  return id;
}

int32_t GrammarMatcher::intern_state(const State& s) {
  uint64_t h = mix(static_cast<uint64_t>(s.set), s.value);
  h = mix(h, static_cast<uint64_t>(s.n_remain + 8) * 2 + (s.checked ? 1 : 0));
  auto& bucket = state_index_[h];
  for (int32_t id : bucket) {
    const State& o = states_[static_cast<size_t>(id)];
    if (o.set == s.set && o.value == s.value && o.n_remain == s.n_remain && o.checked == s.checked)
      return id;
  }
  const auto id = static_cast<int32_t>(states_.size());
  states_.push_back(s);
  rows_.push_back(-1);
  may_end_.push_back(-1);
  bucket.push_back(id);
  return id;
}

// llama_grammar_match_char: does `chr` match the character element at pos; also returns the
// position after the element (its ranges and alternatives).
std::pair<bool, uint32_t> GrammarMatcher::match_char(uint32_t pos, uint32_t chr) const {
  const ElemType type = elems_[pos].type;
  const bool positive = type == ElemType::kChar || type == ElemType::kCharAny;
  bool found = false;
  do {
    if (elems_[pos + 1].type == ElemType::kCharRngUpper) {
      found = found || (elems_[pos].value <= chr && chr <= elems_[pos + 1].value);
      pos += 2;
    } else if (elems_[pos].type == ElemType::kCharAny) {
      found = true;
      pos += 1;
    } else {
      found = found || elems_[pos].value == chr;
      pos += 1;
    }
  } while (elems_[pos].type == ElemType::kCharAlt);
  return {found == positive, pos};
}

// llama_grammar_match_partial_char: could the pending sequence complete to a character the
// element accepts (for a negated class: overlaps none of its ranges).
bool GrammarMatcher::match_partial(uint32_t pos, uint32_t value, int n_remain) const {
  const ElemType type = elems_[pos].type;
  const bool positive = type == ElemType::kChar || type == ElemType::kCharAny;
  if (n_remain < 0 || (n_remain == 1 && value < 2)) return false;
  const int shift = n_remain * 6;
  uint32_t low = value << shift;
  const uint32_t high = low | ((1u << shift) - 1);
  if (low == 0) {
    if (n_remain == 2) low = 1u << 11;
    if (n_remain == 3) low = 1u << 16;
  }
  do {
    if (elems_[pos + 1].type == ElemType::kCharRngUpper) {
      if (elems_[pos].value <= high && low <= elems_[pos + 1].value) return positive;
      pos += 2;
    } else if (elems_[pos].type == ElemType::kCharAny) {
      return true;
    } else {
      if (low <= elems_[pos].value && elems_[pos].value <= high) return positive;
      pos += 1;
    }
  } while (elems_[pos].type == ElemType::kCharAlt);
  return !positive;
}

int32_t GrammarMatcher::accept_char(int32_t set, uint32_t chr) {
  const auto nstacks = sets_[static_cast<size_t>(set)].size();
  if (merge_equivalent_ && nstacks <= 64) {
    uint64_t matched = 0;
    for (size_t i = 0; i < nstacks; ++i) {
      const int32_t s = sets_[static_cast<size_t>(set)][i];
      if (s != 0 && match_char(nodes_[static_cast<size_t>(s)].pos, chr).first)
        matched |= uint64_t{1} << i;
    }
    return accept_matched(set, matched);
  }
  const uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(set)) << 32) | chr;
  const auto it = accept_memo_.find(key);
  if (it != accept_memo_.end()) return it->second;
  std::vector<int32_t> next;
  const std::vector<int32_t> stacks = sets_[static_cast<size_t>(set)];  // advance() may grow sets_
  for (int32_t s : stacks) {
    if (s == 0) continue;  // finished parses cannot take a character
    const StackNode node = nodes_[static_cast<size_t>(s)];
    const auto [ok, after] = match_char(node.pos, chr);
    if (!ok) continue;
    const int32_t rest = is_end(after) ? node.parent : push(node.parent, after);
    const std::vector<int32_t>& adv = advance(rest);
    next.insert(next.end(), adv.begin(), adv.end());
  }
  const int32_t id = intern_set(next);
  accept_memo_.emplace(key, id);
  return id;
}

// The set after a character that the stacks flagged in `matched` accept (bit i: stack i of the
// set): what follows a matched element does not depend on which character matched it.
int32_t GrammarMatcher::accept_matched(int32_t set, uint64_t matched) {
  for (const auto& [bits, next] : matched_memo_[static_cast<size_t>(set)])
    if (bits == matched) return next;
  std::vector<int32_t> next;
  const std::vector<int32_t> stacks = sets_[static_cast<size_t>(set)];  // advance() may grow sets_
  for (size_t i = 0; i < stacks.size(); ++i) {
    if (!(matched >> i & 1)) continue;
    const StackNode node = nodes_[static_cast<size_t>(stacks[i])];
    const uint32_t after = match_char(node.pos, 0).second;  // the position is the same for all
    const int32_t rest = is_end(after) ? node.parent : push(node.parent, after);
    const std::vector<int32_t>& adv = advance(rest);
    next.insert(next.end(), adv.begin(), adv.end());
  }
  const int32_t id = intern_set(next);
  matched_memo_[static_cast<size_t>(set)].emplace_back(matched, id);
  return id;
}

// Every code point in [low, high] gets the same answer from the character element at pos (no
// range of it straddles a bound; conservative: ranges that only together cover it say no).
bool GrammarMatcher::uniform(uint32_t pos, uint32_t low, uint32_t high) const {
  if (elems_[pos].type == ElemType::kCharAny) return true;
  do {
    uint32_t a = elems_[pos].value, b = a;
    if (elems_[pos + 1].type == ElemType::kCharRngUpper) {
      b = elems_[pos + 1].value;
      pos += 2;
    } else {
      pos += 1;
    }
    const bool disjoint = b < low || a > high;
    const bool covers = a <= low && high <= b;
    if (!disjoint && !covers) return false;
  } while (elems_[pos].type == ElemType::kCharAlt);
  return true;
}

// A pending sequence whose completions all lie in one range on which every stack's top element
// answers the same (the usual case: any character of a JSON string) behaves, byte after byte
// and at a token's end, exactly as any other such sequence with the same answers: one
// representative value is interned for all of them, instead of one state per prefix value
// (thousands with CJK-heavy vocabularies). Values below 2 are never merged: llama.cpp's
// partial-character check treats them specially (overlong forms).
uint32_t GrammarMatcher::canonical_value(const State& s) {
  const std::vector<int32_t>& stacks = sets_[static_cast<size_t>(s.set)];
  if (s.value < 2 || stacks.size() > 64) return s.value;
  const int shift = s.n_remain * 6;
  const uint32_t low = s.value << shift;
  const uint32_t high = low | ((1u << shift) - 1);
  uint64_t matched = 0;
  for (size_t i = 0; i < stacks.size(); ++i) {
    if (stacks[i] == 0) continue;
    const uint32_t pos = nodes_[static_cast<size_t>(stacks[i])].pos;
    if (!uniform(pos, low, high)) return s.value;
    if (match_char(pos, low).first) matched |= uint64_t{1} << i;
  }
  uint64_t key = mix(static_cast<uint64_t>(s.set), static_cast<uint64_t>(s.n_remain));
  key = mix(key, s.checked ? 1 : 0);
  auto& bucket = canonical_[mix(key, matched)];
  for (const Representative& r : bucket)
    if (r.set == s.set && r.n_remain == s.n_remain && r.checked == s.checked &&
        r.matched == matched)
      return r.value;
  bucket.push_back({s.set, s.n_remain, s.checked, matched, s.value});
  return s.value;
}

int32_t GrammarMatcher::compute_step(int32_t state, uint8_t b) {
  const State s = states_[static_cast<size_t>(state)];
  uint32_t value;
  int n_remain;
  bool checked = s.checked;
  if (s.n_remain > 0) {
    if (s.checked && (b >> 6) != 2) return kDead;  // llama.cpp: invalid sequence
    value = (s.value << 6) + (b & 0x3F);
    n_remain = s.n_remain - 1;
  } else {
    static const int kLength[] = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2, 2, 3, 4};
    n_remain = kLength[b >> 4] - 1;
    if (n_remain < 0) return kDead;  // a continuation byte where a character starts
    value = b & ((1u << (7 - n_remain)) - 1);
    checked = false;
  }
  if (n_remain > 0) {
    State next{s.set, value, static_cast<int8_t>(n_remain), checked};
    if (merge_equivalent_) next.value = canonical_value(next);
    return intern_state(next);
  }
  const int32_t set = accept_char(s.set, value);
  if (set == kDead) return kDead;
  return intern_state({set, 0, 0, false});
}

bool GrammarMatcher::compute_may_end(int32_t state) {
  int8_t& memo = may_end_[static_cast<size_t>(state)];
  const State s = states_[static_cast<size_t>(state)];
  bool ok = s.n_remain == 0;
  if (!ok) {
    for (int32_t st : sets_[static_cast<size_t>(s.set)]) {
      if (st != 0 && match_partial(nodes_[static_cast<size_t>(st)].pos, s.value, s.n_remain)) {
        ok = true;
        break;
      }
    }
  }
  memo = ok ? 1 : 0;
  return ok;
}

int32_t GrammarMatcher::at_token_boundary(int32_t state) {
  State s = states_[static_cast<size_t>(state)];
  s.checked = s.n_remain > 0;
  return intern_state(s);
}

bool GrammarMatcher::can_end(int32_t state) const {
  const auto& set = sets_[static_cast<size_t>(states_[static_cast<size_t>(state)].set)];
  return !set.empty() && set.front() == 0;  // sorted: the empty stack (0) comes first
}

bool GrammarMatcher::only_end(int32_t state) const {
  const auto& set = sets_[static_cast<size_t>(states_[static_cast<size_t>(state)].set)];
  return set.size() == 1 && set.front() == 0;
}

std::string GrammarMatcher::describe_expected(int32_t state) const {
  std::string out;
  for (int32_t st : sets_[static_cast<size_t>(states_[static_cast<size_t>(state)].set)]) {
    if (!out.empty()) out += ", ";
    if (st == 0) {
      out += "the end";
      continue;
    }
    uint32_t pos = nodes_[static_cast<size_t>(st)].pos;
    const Element& e = elems_[pos];
    if (e.type == ElemType::kCharAny) {
      out += "any character";
      continue;
    }
    out += e.type == ElemType::kCharNot ? "[^" : "[";
    do {
      out += fmt::format("U+{:04X}", elems_[pos].value);
      if (elems_[pos + 1].type == ElemType::kCharRngUpper) {
        out += fmt::format("-U+{:04X}", elems_[pos + 1].value);
        pos += 2;
      } else {
        pos += 1;
      }
      if (elems_[pos].type == ElemType::kCharAlt) out += " ";
    } while (elems_[pos].type == ElemType::kCharAlt);
    out += "]";
  }
  return out;
}

int32_t GrammarMatcher::compact(int32_t state) {
  const State s = states_[static_cast<size_t>(state)];
  std::vector<std::vector<uint32_t>> paths;  // each stack bottom-first
  for (int32_t st : sets_[static_cast<size_t>(s.set)]) {
    std::vector<uint32_t> path;
    for (int32_t n = st; n != 0; n = nodes_[static_cast<size_t>(n)].parent)
      path.push_back(nodes_[static_cast<size_t>(n)].pos);
    std::reverse(path.begin(), path.end());
    paths.push_back(std::move(path));
  }
  reset_caches();
  std::vector<int32_t> stacks;
  for (const auto& path : paths) {
    int32_t n = 0;
    for (uint32_t pos : path) n = push(n, pos);
    stacks.push_back(n);
  }
  return intern_state({intern_set(stacks), s.value, s.n_remain, s.checked});
}

}  // namespace hearth::grammar

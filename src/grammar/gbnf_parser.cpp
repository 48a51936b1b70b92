// GBNF parser: a recursive-descent reading of llama.cpp's grammar syntax (see gbnf.hpp). The
// accepted syntax, the repetition rewriting and the checks (undefined rules, left recursion,
// repetition limits) follow llama.cpp's parser so that existing .gbnf files mean the same here;
// errors carry the line and column, and limits bound what hostile text can make us build.
#include <fmt/format.h>

#include <algorithm>

#include "grammar/gbnf.hpp"
#include "hearth/error.hpp"

namespace hearth::grammar {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_word(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || is_digit(c);
}
bool is_end_of_sequence(const Element& e) {
  return e.type == ElemType::kEnd || e.type == ElemType::kAlt;
}

class Parser {
 public:
  Parser(std::string_view text, const GrammarLimits& limits) : s_(text), limits_(limits) {}

  Grammar run(std::string_view root) {
    if (s_.size() > limits_.max_text_bytes)
      error_at(0, fmt::format("grammar is {} bytes, over the limit of {}", s_.size(),
                              limits_.max_text_bytes));
    if (s_.find('\0') != std::string_view::npos) error_at(s_.find('\0'), "NUL byte in the grammar");
    size_t pos = skip_space(0, true);
    while (pos < s_.size()) pos = parse_rule(pos);
    if (g_.rules.empty()) error_at(s_.size(), "the grammar has no rules");
    check_defined();
    const auto it = g_.symbol_ids.find(std::string(root));
    if (it == g_.symbol_ids.end() || it->second >= g_.rules.size())
      error_at(s_.size(), fmt::format("the grammar has no start rule '{}'", root));
    g_.root = it->second;
    check_left_recursion();
    return std::move(g_);
  }

 private:
  char at(size_t pos) const { return pos < s_.size() ? s_[pos] : '\0'; }

  [[noreturn]] void error_at(size_t pos, const std::string& what) const {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < pos && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    fail(Status::kInvalidArgument, fmt::format("grammar:{}:{}: {}", line, col, what));
  }

  size_t skip_space(size_t pos, bool newline_ok) const {
    for (;;) {
      const char c = at(pos);
      if (c == '#') {
        while (pos < s_.size() && s_[pos] != '\r' && s_[pos] != '\n') ++pos;
      } else if (c == ' ' || c == '\t' || (newline_ok && (c == '\r' || c == '\n'))) {
        ++pos;
      } else {
        return pos;
      }
    }
  }

  size_t parse_name(size_t pos) const {
    size_t end = pos;
    while (is_word(at(end))) ++end;
    if (end == pos) error_at(pos, "expecting a rule name");
    return end;
  }

  uint32_t symbol_id(const std::string& name) {
    const auto it = g_.symbol_ids.find(name);
    if (it != g_.symbol_ids.end()) return it->second;
    const uint32_t id = n_symbols_++;
    g_.symbol_ids.emplace(name, id);
    names_.push_back(name);
    return id;
  }
  // Helper rules (groups, repetitions) get fresh ids; their names are never looked up.
  uint32_t fresh_symbol(const std::string& base) {
    const uint32_t id = n_symbols_++;
    names_.push_back(fmt::format("{}_{}", base, id));
    return id;
  }

  void add_rule(uint32_t id, std::vector<Element> rule) {
    n_elements_ += rule.size();
    if (n_elements_ > limits_.max_elements)
      error_at(s_.size(),
               fmt::format("the grammar expands to over {} elements", limits_.max_elements));
    if (g_.rules.size() <= id) g_.rules.resize(id + 1);
    g_.rules[id] = std::move(rule);
  }

  // One code point of a literal or class: an escape or one UTF-8 sequence (decoded like
  // llama.cpp: the lead byte's length, continuation bytes taken as they come).
  std::pair<uint32_t, size_t> parse_char(size_t pos) const {
    if (at(pos) == '\\') {
      switch (at(pos + 1)) {
        case 'x':
          return parse_hex(pos + 2, 2);
        case 'u':
          return parse_hex(pos + 2, 4);
        case 'U':
          return parse_hex(pos + 2, 8);
        case 't':
          return {'\t', pos + 2};
        case 'r':
          return {'\r', pos + 2};
        case 'n':
          return {'\n', pos + 2};
        case '\\':
        case '"':
        case '[':
        case ']':
        case '-':
          return {static_cast<unsigned char>(s_[pos + 1]), pos + 2};
        default:
          error_at(pos, "unknown escape");
      }
    }
    if (pos >= s_.size()) error_at(pos, "unexpected end of input");
    static const int kLength[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    const auto first = static_cast<uint8_t>(s_[pos]);
    const int n = kLength[first >> 4];
    uint32_t value = first & ((1u << (8 - n)) - 1);
    size_t p = pos + 1;
    for (int i = 1; i < n && p < s_.size(); ++i, ++p)
      value = (value << 6) + (static_cast<uint8_t>(s_[p]) & 0x3F);
    return {value, p};
  }

  std::pair<uint32_t, size_t> parse_hex(size_t pos, int digits) const {
    uint32_t value = 0;
    for (int i = 0; i < digits; ++i) {
      const char c = at(pos + i);
      int d;
      if (c >= '0' && c <= '9')
        d = c - '0';
      else if (c >= 'a' && c <= 'f')
        d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        d = c - 'A' + 10;
      else
        error_at(pos + i, fmt::format("expecting {} hex digits", digits));
      value = (value << 4) | static_cast<uint32_t>(d);
    }
    return {value, pos + digits};
  }

  size_t parse_rule(size_t pos) {
    const size_t name_end = parse_name(pos);
    const std::string name(s_.substr(pos, name_end - pos));
    const uint32_t id = symbol_id(name);
    size_t p = skip_space(name_end, false);
    if (s_.substr(p, 3) != "::=") error_at(p, "expecting ::=");
    p = skip_space(p + 3, true);
    p = parse_alternates(p, name, id, false, 0);
    if (at(p) == '\r')
      p += at(p + 1) == '\n' ? 2 : 1;
    else if (at(p) == '\n')
      ++p;
    else if (p < s_.size())
      error_at(p, fmt::format("expecting newline or end, found '{}'", at(p)));
    return skip_space(p, true);
  }

  size_t parse_alternates(size_t pos, const std::string& name, uint32_t id, bool nested,
                          size_t depth) {
    if (depth > limits_.max_nesting)
      error_at(pos, fmt::format("groups nested deeper than {}", limits_.max_nesting));
    std::vector<Element> rule;
    pos = parse_sequence(pos, name, rule, nested, depth);
    while (at(pos) == '|') {
      rule.push_back({ElemType::kAlt, 0});
      pos = skip_space(pos + 1, true);
      pos = parse_sequence(pos, name, rule, nested, depth);
    }
    rule.push_back({ElemType::kEnd, 0});
    add_rule(id, std::move(rule));
    return pos;
  }

  size_t parse_sequence(size_t pos, const std::string& name, std::vector<Element>& rule,
                        bool nested, size_t depth) {
    size_t last_start = rule.size();
    uint64_t n_prev_rules = 1;

    // S{m,n} -> S (m times) then n-m optional copies chained through helper rules
    // S'(k) ::= S S'(k-1) | ; S{m,} -> S (m times) S' with S' ::= S S' | (llama.cpp's rewrite).
    auto repeat = [&](uint64_t min_times, uint64_t max_times, size_t at_pos) {
      const bool no_max = max_times == UINT64_MAX;
      if (last_start == rule.size()) error_at(at_pos, "expecting an item before */+/?/{");
      const std::vector<Element> prev(rule.begin() + static_cast<ptrdiff_t>(last_start),
                                      rule.end());
      uint64_t total = 1;
      if (!no_max && max_times > 0)
        total = max_times;
      else if (min_times > 0)
        total = min_times;
      if (n_prev_rules * total > limits_.max_repetition)
        error_at(at_pos,
                 fmt::format("repetitions multiply to over {} copies", limits_.max_repetition));
      if (min_times == 0) {
        rule.resize(last_start);
      } else {
        if ((min_times - 1) * prev.size() + n_elements_ + rule.size() > limits_.max_elements)
          error_at(at_pos,
                   fmt::format("the grammar expands to over {} elements", limits_.max_elements));
        for (uint64_t i = 1; i < min_times; ++i) rule.insert(rule.end(), prev.begin(), prev.end());
      }
      uint32_t last_rec = 0;
      const uint64_t n_opt = no_max ? 1 : max_times - min_times;
      for (uint64_t i = 0; i < n_opt; ++i) {
        std::vector<Element> rec(prev);
        const uint32_t rec_id = fresh_symbol(name);
        if (i > 0 || no_max) rec.push_back({ElemType::kRuleRef, no_max ? rec_id : last_rec});
        rec.push_back({ElemType::kAlt, 0});
        rec.push_back({ElemType::kEnd, 0});
        add_rule(rec_id, std::move(rec));
        last_rec = rec_id;
      }
      if (n_opt > 0) rule.push_back({ElemType::kRuleRef, last_rec});
      n_prev_rules *= total;
    };

    while (pos < s_.size()) {
      const char c = s_[pos];
      if (c == '"') {
        ++pos;
        last_start = rule.size();
        n_prev_rules = 1;
        while (at(pos) != '"') {
          if (pos >= s_.size()) error_at(pos, "unexpected end of input in a literal");
          const auto [cp, next] = parse_char(pos);
          rule.push_back({ElemType::kChar, cp});
          pos = next;
        }
        pos = skip_space(pos + 1, nested);
      } else if (c == '[') {
        ++pos;
        ElemType start = ElemType::kChar;
        if (at(pos) == '^') {
          ++pos;
          start = ElemType::kCharNot;
        }
        last_start = rule.size();
        n_prev_rules = 1;
        while (at(pos) != ']') {
          if (pos >= s_.size()) error_at(pos, "unexpected end of input in a character class");
          const auto [cp, next] = parse_char(pos);
          pos = next;
          rule.push_back({last_start < rule.size() ? ElemType::kCharAlt : start, cp});
          if (at(pos) == '-' && at(pos + 1) != ']') {
            if (pos + 1 >= s_.size()) error_at(pos + 1, "unexpected end of input in a range");
            const auto [hi, next2] = parse_char(pos + 1);
            pos = next2;
            rule.push_back({ElemType::kCharRngUpper, hi});
          }
        }
        pos = skip_space(pos + 1, nested);
      } else if (c == '<' || c == '!') {
        error_at(pos, "token references (<...>, !<...>) are not supported");
      } else if (is_word(c)) {
        const size_t end = parse_name(pos);
        const uint32_t id = symbol_id(std::string(s_.substr(pos, end - pos)));
        pos = skip_space(end, nested);
        last_start = rule.size();
        n_prev_rules = 1;
        rule.push_back({ElemType::kRuleRef, id});
      } else if (c == '(') {
        const size_t open = pos;
        pos = skip_space(pos + 1, true);
        const uint32_t before = n_symbols_;
        const uint32_t sub = fresh_symbol(name);
        pos = parse_alternates(pos, name, sub, true, depth + 1);
        n_prev_rules = std::max<uint64_t>(1, n_symbols_ - before);
        last_start = rule.size();
        rule.push_back({ElemType::kRuleRef, sub});
        if (at(pos) != ')')
          error_at(pos, fmt::format("expecting ')' to close the '(' at {}", position(open)));
        pos = skip_space(pos + 1, nested);
      } else if (c == '.') {
        last_start = rule.size();
        n_prev_rules = 1;
        rule.push_back({ElemType::kCharAny, 0});
        pos = skip_space(pos + 1, nested);
      } else if (c == '*' || c == '+' || c == '?') {
        const size_t op = pos;
        pos = skip_space(pos + 1, nested);
        if (c == '*') repeat(0, UINT64_MAX, op);
        if (c == '+') repeat(1, UINT64_MAX, op);
        if (c == '?') repeat(0, 1, op);
      } else if (c == '{') {
        const size_t op = pos;
        pos = skip_space(pos + 1, nested);
        uint64_t min_times = 0, max_times = UINT64_MAX;
        pos = parse_count(pos, min_times);
        pos = skip_space(pos, nested);
        if (at(pos) == '}') {
          max_times = min_times;
          pos = skip_space(pos + 1, nested);
        } else if (at(pos) == ',') {
          pos = skip_space(pos + 1, nested);
          if (is_digit(at(pos))) {
            pos = parse_count(pos, max_times);
            pos = skip_space(pos, nested);
          }
          if (at(pos) != '}') error_at(pos, "expecting '}'");
          pos = skip_space(pos + 1, nested);
        } else {
          error_at(pos, "expecting ',' or '}'");
        }
        if (min_times > limits_.max_repetition)
          error_at(op, fmt::format("{{{}}}: more than {} repetitions", min_times,
                                   limits_.max_repetition));
        if (max_times != UINT64_MAX && max_times < min_times)
          error_at(
              op, fmt::format("{{{},{}}}: the maximum is below the minimum", min_times, max_times));
        // llama.cpp reads a maximum over the limit as "no maximum".
        if (max_times != UINT64_MAX && max_times > limits_.max_repetition) max_times = UINT64_MAX;
        repeat(min_times, max_times, op);
      } else {
        break;
      }
    }
    return pos;
  }

  size_t parse_count(size_t pos, uint64_t& out) const {
    if (!is_digit(at(pos))) error_at(pos, "expecting an integer");
    size_t end = pos;
    while (is_digit(at(end))) ++end;
    if (end - pos > 9) error_at(pos, "repetition count too large");
    out = std::stoull(std::string(s_.substr(pos, end - pos)));
    return end;
  }

  std::string position(size_t pos) const {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < pos && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return fmt::format("{}:{}", line, col);
  }

  void check_defined() {
    std::vector<bool> defined(n_symbols_, false);
    for (size_t i = 0; i < g_.rules.size(); ++i) defined[i] = !g_.rules[i].empty();
    for (const auto& rule : g_.rules)
      for (const Element& e : rule)
        if (e.type == ElemType::kRuleRef && !defined[e.value])
          error_at(s_.size(), fmt::format("undefined rule '{}'", names_[e.value]));
    g_.rules.resize(n_symbols_);
    for (uint32_t i = 0; i < n_symbols_; ++i)  // named but never defined nor used
      if (g_.rules[i].empty()) g_.rules[i] = {{ElemType::kEnd, 0}};
  }

  // Left recursion (a rule that can reach itself before consuming a character) would make
  // the matcher expand forever: reject it like llama.cpp does. Iterative, so that deep rule
  // chains cannot overflow the stack.
  void check_left_recursion() {
    const size_t n = g_.rules.size();
    std::vector<bool> may_be_empty(n, false), done(n, false), in_progress(n, false);
    for (size_t r = 0; r < n; ++r) {
      const auto& rule = g_.rules[r];
      bool at_start = true;
      for (const Element& e : rule) {
        if (is_end_of_sequence(e)) {
          if (at_start) {
            may_be_empty[r] = true;
            break;
          }
          at_start = true;
        } else {
          at_start = false;
        }
      }
    }
    // may_be_empty above is llama.cpp's notion (an empty alternative); walk the "can start
    // with" graph: rule -> referenced rule at the start of an alternative, or after rules that
    // may be empty.
    struct Frame {
      size_t rule;
      size_t i;
      bool recurse;
    };
    for (size_t root = 0; root < n; ++root) {
      if (done[root]) continue;
      std::vector<Frame> stack{{root, 0, true}};
      in_progress[root] = true;
      while (!stack.empty()) {
        Frame& f = stack.back();
        const auto& rule = g_.rules[f.rule];
        if (f.i >= rule.size()) {
          in_progress[f.rule] = false;
          done[f.rule] = true;
          stack.pop_back();
          if (!stack.empty()) {
            Frame& parent = stack.back();
            const Element& e = g_.rules[parent.rule][parent.i];
            if (!may_be_empty[e.value]) parent.recurse = false;
            ++parent.i;
          }
          continue;
        }
        const Element& e = rule[f.i];
        if (e.type == ElemType::kRuleRef && f.recurse) {
          if (in_progress[e.value])
            error_at(s_.size(), fmt::format("left recursion in rule '{}'", names_[f.rule]));
          if (!done[e.value]) {
            in_progress[e.value] = true;
            stack.push_back({e.value, 0, true});
            continue;
          }
          if (!may_be_empty[e.value]) f.recurse = false;
        } else if (is_end_of_sequence(e)) {
          f.recurse = true;
        } else {
          f.recurse = false;
        }
        ++f.i;
      }
    }
  }

  std::string_view s_;
  GrammarLimits limits_;
  Grammar g_;
  std::vector<std::string> names_;
  uint32_t n_symbols_ = 0;
  size_t n_elements_ = 0;
};

}  // namespace

Grammar parse_gbnf(std::string_view text, std::string_view root, const GrammarLimits& limits) {
  return Parser(text, limits).run(root);
}

std::string to_string(const Grammar& g) {
  std::vector<std::string> names(g.rules.size());
  for (const auto& [name, id] : g.symbol_ids)
    if (id < names.size()) names[id] = name;
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i].empty()) names[i] = fmt::format("_{}", i);
  std::string out;
  auto chr = [](uint32_t c) {
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\' && c != ']' && c != '-')
      return std::string(1, static_cast<char>(c));
    return fmt::format("\\U{:08X}", c);
  };
  for (size_t r = 0; r < g.rules.size(); ++r) {
    out += names[r] + " ::=";
    const auto& rule = g.rules[r];
    for (size_t i = 0; i < rule.size(); ++i) {
      const Element& e = rule[i];
      switch (e.type) {
        case ElemType::kEnd:
          break;
        case ElemType::kAlt:
          out += " |";
          break;
        case ElemType::kRuleRef:
          out += " " + names[e.value];
          break;
        case ElemType::kChar:
          out += " [" + chr(e.value);
          break;
        case ElemType::kCharNot:
          out += " [^" + chr(e.value);
          break;
        case ElemType::kCharRngUpper:
          out += "-" + chr(e.value);
          break;
        case ElemType::kCharAlt:
          out += chr(e.value);
          break;
        case ElemType::kCharAny:
          out += " .";
          break;
      }
      const bool in_class = e.type == ElemType::kChar || e.type == ElemType::kCharNot ||
                            e.type == ElemType::kCharRngUpper || e.type == ElemType::kCharAlt;
      const bool next_in_class =
          i + 1 < rule.size() &&
          (rule[i + 1].type == ElemType::kCharRngUpper || rule[i + 1].type == ElemType::kCharAlt);
      if (in_class && !next_in_class) out += "]";
    }
    out += "\n";
  }
  return out;
}

}  // namespace hearth::grammar

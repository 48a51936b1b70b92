// Methods of str, list and dict that chat templates call, with Python's semantics.
#include <algorithm>
#include <cctype>

#include "template/builtins.hpp"
#include "template/render_error.hpp"
#include "template/utf8.hpp"

namespace hearth::tmpl {
namespace {

bool is_py_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

const std::string& string_arg(const CallArgs& args, size_t index, const char* name,
                              const char* method) {
  const Value* v = args.get(index, name);
  if (!v) render_fail(std::string(method) + "() missing argument '" + name + "'");
  if (!v->is_string()) type_error(std::string(method) + "() argument must be str", *v);
  return v->as_string();
}

// strip/lstrip/rstrip: chars None means whitespace; otherwise any of the given code points.
std::string strip(const std::string& s, const Value* chars, bool left, bool right) {
  std::vector<std::string> set;
  const bool whitespace = !chars || chars->is_none();
  if (!whitespace) {
    if (!chars->is_string()) type_error("strip arg must be None or str", *chars);
    set = utf8_chars(chars->as_string());
  }
  std::vector<std::string> cps = utf8_chars(s);
  auto strippable = [&](const std::string& c) {
    if (whitespace) return c.size() == 1 && is_py_space(c[0]);
    return std::find(set.begin(), set.end(), c) != set.end();
  };
  size_t begin = 0, end = cps.size();
  if (left)
    while (begin < end && strippable(cps[begin])) ++begin;
  if (right)
    while (end > begin && strippable(cps[end - 1])) --end;
  std::string out;
  for (size_t i = begin; i < end; ++i) out += cps[i];
  return out;
}

Value split(const std::string& s, const Value* sep_value, const Value* max_value, bool from_right) {
  int64_t maxsplit = max_value && !max_value->is_none() ? max_value->as_int() : -1;
  std::vector<std::string> parts;
  if (!sep_value || sep_value->is_none()) {
    // Whitespace split: runs of whitespace separate, leading/trailing ignored.
    std::vector<std::pair<size_t, size_t>> words;
    size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && is_py_space(s[i])) ++i;
      if (i >= s.size()) break;
      size_t j = i;
      while (j < s.size() && !is_py_space(s[j])) ++j;
      words.emplace_back(i, j);
      i = j;
    }
    if (maxsplit < 0 || static_cast<size_t>(maxsplit) >= words.size()) {
      for (auto [b, e] : words) parts.push_back(s.substr(b, e - b));
    } else if (!from_right) {
      for (size_t k = 0; k < static_cast<size_t>(maxsplit); ++k)
        parts.push_back(s.substr(words[k].first, words[k].second - words[k].first));
      size_t rest = words[static_cast<size_t>(maxsplit)].first;
      size_t end = s.size();
      while (end > rest && is_py_space(s[end - 1])) --end;
      parts.push_back(s.substr(rest, end - rest));
    } else {
      const size_t keep = words.size() - static_cast<size_t>(maxsplit);
      size_t begin = 0;
      while (begin < s.size() && is_py_space(s[begin])) ++begin;
      parts.push_back(s.substr(begin, words[keep - 1].second - begin));
      for (size_t k = keep; k < words.size(); ++k)
        parts.push_back(s.substr(words[k].first, words[k].second - words[k].first));
    }
  } else {
    if (!sep_value->is_string()) type_error("must be str or None", *sep_value);
    const std::string& sep = sep_value->as_string();
    if (sep.empty()) render_fail("empty separator");
    if (!from_right) {
      size_t start = 0;
      while (maxsplit != 0) {
        const size_t at = s.find(sep, start);
        if (at == std::string::npos) break;
        parts.push_back(s.substr(start, at - start));
        start = at + sep.size();
        --maxsplit;
      }
      parts.push_back(s.substr(start));
    } else {
      size_t end = s.size();
      std::vector<std::string> reversed;
      while (maxsplit != 0 && end >= sep.size()) {
        const size_t at = s.rfind(sep, end - sep.size());
        if (at == std::string::npos) break;
        reversed.push_back(s.substr(at + sep.size(), end - at - sep.size()));
        end = at;
        --maxsplit;
      }
      reversed.push_back(s.substr(0, end));
      parts.assign(reversed.rbegin(), reversed.rend());
    }
  }
  ValueList out;
  for (std::string& p : parts) out.push_back(Value(std::move(p)));
  return Value(std::move(out));
}

// startswith/endswith accept a string or a tuple (list) of strings.
bool affix_match(const std::string& s, const Value& affix, bool prefix) {
  auto one = [&](const Value& v) {
    if (!v.is_string()) type_error("startswith/endswith argument must be str or a tuple of str", v);
    const std::string& a = v.as_string();
    if (a.size() > s.size()) return false;
    return prefix ? s.compare(0, a.size(), a) == 0
                  : s.compare(s.size() - a.size(), a.size(), a) == 0;
  };
  if (affix.is_list()) {
    for (const Value& v : affix.list())
      if (one(v)) return true;
    return false;
  }
  return one(affix);
}

std::string ascii_case(std::string s, bool upper) {
  for (char& c : s)
    c = static_cast<char>(upper ? std::toupper(static_cast<unsigned char>(c))
                                : std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Python's str.title(): a letter after a non-letter is upper-cased, other letters lower-cased.
std::string python_title(const std::string& s) {
  std::string out = s;
  bool previous_letter = false;
  for (char& c : out) {
    const unsigned char u = static_cast<unsigned char>(c);
    const bool letter = std::isalpha(u) != 0;
    if (letter) c = static_cast<char>(previous_letter ? std::tolower(u) : std::toupper(u));
    previous_letter = letter || u >= 0x80;
  }
  return out;
}

std::string replace_all(const std::string& s, const std::string& from, const std::string& to,
                        int64_t count, Evaluator& ev) {
  std::string out;
  if (from.empty()) {
    // Python inserts `to` between every code point (and at both ends).
    std::vector<std::string> cps = utf8_chars(s);
    for (size_t i = 0; i < cps.size(); ++i) {
      if (count < 0 || static_cast<int64_t>(i) < count) out += to;
      out += cps[i];
      ev.check_size(out.size());
    }
    if (count < 0 || static_cast<int64_t>(cps.size()) < count) out += to;
    return out;
  }
  size_t start = 0;
  while (count != 0) {
    const size_t at = s.find(from, start);
    if (at == std::string::npos) break;
    out.append(s, start, at - start);
    out += to;
    ev.check_size(out.size());
    start = at + from.size();
    --count;
  }
  out.append(s, start, std::string::npos);
  return out;
}

const char* const kStringMethods[] = {
    "strip",   "lstrip",  "rstrip",     "split",        "rsplit",      "startswith", "endswith",
    "upper",   "lower",   "title",      "capitalize",   "replace",     "format",     "join",
    "find",    "rfind",   "count",      "isdigit",      "isalpha",     "isalnum",    "isspace",
    "isupper", "islower", "splitlines", "removeprefix", "removesuffix"};
const char* const kListMethods[] = {"append", "pop", "index", "count", "insert", "extend"};
const char* const kDictMethods[] = {"items", "keys", "values", "get"};

template <size_t N>
bool listed(const char* const (&names)[N], const std::string& name) {
  for (const char* n : names)
    if (name == n) return true;
  return false;
}

Value string_method(Evaluator& ev, const std::string& s, const std::string& name,
                    const CallArgs& args) {
  if (name == "strip") return Value(strip(s, args.get(0, "chars"), true, true));
  if (name == "lstrip") return Value(strip(s, args.get(0, "chars"), true, false));
  if (name == "rstrip") return Value(strip(s, args.get(0, "chars"), false, true));
  if (name == "split" || name == "rsplit")
    return split(s, args.get(0, "sep"), args.get(1, "maxsplit"), name == "rsplit");
  if (name == "startswith" || name == "endswith") {
    const Value* affix = args.get(0, "prefix");
    if (!affix) render_fail(name + "() takes at least 1 argument");
    return Value(affix_match(s, *affix, name == "startswith"));
  }
  if (name == "upper") return Value(ascii_case(s, true));
  if (name == "lower") return Value(ascii_case(s, false));
  if (name == "title") return Value(python_title(s));
  if (name == "capitalize") {
    std::string out = ascii_case(s, false);
    if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
    return Value(out);
  }
  if (name == "replace") {
    const Value* count = args.get(2, "count");
    return Value(replace_all(s, string_arg(args, 0, "old", "replace"),
                             string_arg(args, 1, "new", "replace"),
                             count && !count->is_none() ? count->as_int() : -1, ev));
  }
  if (name == "format") return Value(brace_format(s, args));
  if (name == "join") {
    const Value* items = args.get(0, "iterable");
    if (!items) render_fail("join() takes exactly one argument");
    std::string out;
    bool first = true;
    for (const Value& v : ev.iterate(*items)) {
      if (!v.is_string()) type_error("sequence item: expected str instance", v);
      if (!first) out += s;
      first = false;
      out += v.as_string();
      ev.check_size(out.size());
    }
    return Value(out);
  }
  if (name == "find" || name == "rfind" || name == "count") {
    const std::string& needle = string_arg(args, 0, "sub", name.c_str());
    if (name == "count") {
      if (needle.empty()) return Value(static_cast<int64_t>(utf8_length(s) + 1));
      int64_t n = 0;
      for (size_t at = s.find(needle); at != std::string::npos;
           at = s.find(needle, at + needle.size()))
        ++n;
      return Value(n);
    }
    const size_t at = name == "find" ? s.find(needle) : s.rfind(needle);
    if (at == std::string::npos) return Value(static_cast<int64_t>(-1));
    return Value(static_cast<int64_t>(utf8_length(s.substr(0, at))));
  }
  if (name == "removeprefix" || name == "removesuffix") {
    const std::string& affix =
        string_arg(args, 0, name == "removeprefix" ? "prefix" : "suffix", name.c_str());
    if (!affix_match(s, Value(affix), name == "removeprefix")) return Value(s);
    return Value(name == "removeprefix" ? s.substr(affix.size())
                                        : s.substr(0, s.size() - affix.size()));
  }
  if (name == "splitlines") {
    ValueList lines;
    size_t start = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\n' || s[i] == '\r') {
        lines.push_back(Value(s.substr(start, i - start)));
        if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
        start = i + 1;
      }
    }
    if (start < s.size()) lines.push_back(Value(s.substr(start)));
    return Value(std::move(lines));
  }
  // Character classes (ASCII; a non-ASCII byte fails isdigit/isspace, counts as a letter).
  if (s.empty()) return Value(false);
  bool all = true, any_cased = false;
  for (unsigned char c : s) {
    if (name == "isdigit") all = all && std::isdigit(c);
    if (name == "isalpha") all = all && (std::isalpha(c) || c >= 0x80);
    if (name == "isalnum") all = all && (std::isalnum(c) || c >= 0x80);
    if (name == "isspace") all = all && is_py_space(static_cast<char>(c));
    if (name == "isupper") {
      all = all && !std::islower(c);
      any_cased = any_cased || std::isupper(c);
    }
    if (name == "islower") {
      all = all && !std::isupper(c);
      any_cased = any_cased || std::islower(c);
    }
  }
  if (name == "isupper" || name == "islower") return Value(all && any_cased);
  return Value(all);
}

Value list_method(Evaluator& ev, const Value& object, const std::string& name,
                  const CallArgs& args) {
  ValueList& list = object.list();
  auto index_of = [&](const Value& needle) -> int64_t {
    for (size_t i = 0; i < list.size(); ++i)
      if (values_equal(list[i], needle)) return static_cast<int64_t>(i);
    return -1;
  };
  auto refuse_cycle = [&](const Value& v) {
    // Putting a list inside itself would make printing it loop forever.
    if (value_contains(v, &list)) render_fail("cannot insert a list into itself");
  };
  if (name == "append") {
    const Value* v = args.get(0, "object");
    if (!v) render_fail("append() takes exactly one argument");
    refuse_cycle(*v);
    ev.count_iterations(1);
    list.push_back(*v);
    return Value::none();
  }
  if (name == "extend") {
    const Value* v = args.get(0, "iterable");
    if (!v) render_fail("extend() takes exactly one argument");
    ValueList items = ev.iterate(*v);
    for (const Value& item : items) refuse_cycle(item);
    ev.count_iterations(items.size());
    list.insert(list.end(), items.begin(), items.end());
    return Value::none();
  }
  if (name == "insert") {
    const Value* at = args.get(0, "index");
    const Value* v = args.get(1, "object");
    if (!at || !v || !(at->is_int() || at->is_bool()))
      render_fail("insert() takes an index and an object");
    refuse_cycle(*v);
    const int64_t n = static_cast<int64_t>(list.size());
    int64_t i = at->as_int();
    if (i < 0) i = std::max<int64_t>(0, i + n);
    i = std::min(i, n);
    ev.count_iterations(1);
    list.insert(list.begin() + i, *v);
    return Value::none();
  }
  if (name == "pop") {
    if (list.empty()) render_fail("pop from empty list");
    const Value* at = args.get(0, "index");
    const int64_t n = static_cast<int64_t>(list.size());
    int64_t i = at ? at->as_int() : n - 1;
    if (i < 0) i += n;
    if (i < 0 || i >= n) render_fail("pop index out of range");
    Value v = list[static_cast<size_t>(i)];
    list.erase(list.begin() + i);
    return v;
  }
  const Value* needle = args.get(0, "value");
  if (!needle) render_fail(name + "() takes exactly one argument");
  if (name == "index") {
    const int64_t i = index_of(*needle);
    if (i < 0) render_fail(needle->repr() + " is not in list");
    return Value(i);
  }
  int64_t count = 0;  // count
  for (const Value& v : list) count += values_equal(v, *needle) ? 1 : 0;
  return Value(count);
}

Value dict_method(const Value& object, const std::string& name, const CallArgs& args) {
  const Dict& dict = object.dict();
  if (name == "get") {
    const Value* key = args.get(0, "key");
    if (!key) render_fail("get expected at least 1 argument");
    if (const Value* v = dict.find(*key)) return *v;
    const Value* fallback = args.get(1, "default");
    return fallback ? *fallback : Value::none();
  }
  ValueList out;
  for (const auto& [k, v] : dict.entries()) {
    if (name == "keys") {
      out.push_back(k);
    } else if (name == "values") {
      out.push_back(v);
    } else {
      out.push_back(Value::tuple(ValueList{k, v}));
    }
  }
  return Value(std::move(out));
}

}  // namespace

bool has_method(const Value& object, const std::string& name) {
  if (object.is_string()) return listed(kStringMethods, name);
  if (object.is_list()) return listed(kListMethods, name);
  if (object.is_dict() && !object.is_namespace()) return listed(kDictMethods, name);
  return false;
}

Value call_method(Evaluator& ev, const Value& object, const std::string& name,
                  const CallArgs& args) {
  if (object.is_string()) return string_method(ev, object.as_string(), name, args);
  if (object.is_list()) return list_method(ev, object, name, args);
  if (object.is_dict()) return dict_method(object, name, args);
  render_fail("'" + object.type_name() + "' object has no attribute '" + name + "'");
}

}  // namespace hearth::tmpl

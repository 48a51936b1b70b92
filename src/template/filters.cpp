// The Jinja2 filters chat templates use, plus tojson as Hugging Face defines it. Text filters
// take str() of their input, so an undefined value filters like "".
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cfenv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "template/builtins.hpp"
#include "template/parser.hpp"
#include "template/render_error.hpp"
#include "template/utf8.hpp"

namespace hearth::tmpl {
namespace {

const char* const kFilters[] = {
    "trim",   "tojson",     "length",     "count",   "upper",  "lower",     "capitalize",
    "title",  "default",    "d",          "join",    "first",  "last",      "list",
    "items",  "selectattr", "rejectattr", "select",  "reject", "map",       "safe",
    "string", "int",        "float",      "replace", "indent", "round",     "unique",
    "sort",   "dictsort",   "reverse",    "abs",     "e",      "escape",    "forceescape",
    "min",    "max",        "sum",        "attr",    "format", "wordcount", "center",
    "batch"};

bool flag(const CallArgs& args, size_t index, const char* name, bool fallback) {
  const Value* v = args.get(index, name);
  return v ? v->truthy() : fallback;
}

std::string text_of(const Value& v) {
  return v.str();
}

std::string ascii_lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string ascii_upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Looks up "a.b.0" on an item the way Jinja2's attribute= arguments do (item, then attribute).
Value attribute_path(Evaluator& ev, const Value& item, const Value& path) {
  if (path.is_int()) return ev.get_item(item, path);
  if (!path.is_string()) type_error("attribute must be a string", path);
  Value current = item;
  const std::string& p = path.as_string();
  size_t start = 0;
  while (true) {
    const size_t dot = p.find('.', start);
    const std::string part =
        p.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const bool numeric = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c));
    });
    current = numeric ? ev.get_item(current, Value(static_cast<int64_t>(std::atoll(part.c_str()))))
                      : ev.get_item(current, Value(part));
    if (dot == std::string::npos) return current;
    start = dot + 1;
  }
}

// Key used by sort, unique, min, max: the attribute if asked, lower-cased unless case-sensitive.
Value sort_key(Evaluator& ev, const Value& item, const Value* attribute, bool case_sensitive) {
  Value key = attribute && !attribute->is_none() ? attribute_path(ev, item, *attribute) : item;
  if (!case_sensitive && key.is_string()) return Value(ascii_lower(key.as_string()));
  return key;
}

int64_t length_of(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
      return 0;
    case Kind::kString:
      return static_cast<int64_t>(utf8_length(v.as_string()));
    case Kind::kList:
      return static_cast<int64_t>(v.list().size());
    case Kind::kDict:
      return static_cast<int64_t>(v.dict().size());
    default:
      render_fail("object of type '" + v.type_name() + "' has no len()");
  }
}

Value filter_tojson(const Value& input, const CallArgs& args) {
  JsonOptions o;
  o.ensure_ascii = flag(args, 0, "ensure_ascii", false);
  if (const Value* indent = args.get(1, "indent"); indent && !indent->is_none()) {
    if (!indent->is_int()) type_error("tojson indent must be an integer", *indent);
    o.indent = static_cast<int>(std::clamp<int64_t>(indent->as_int(), 0, 64));
    o.item_separator = ",";
  }
  if (const Value* sep = args.get(2, "separators"); sep && !sep->is_none()) {
    if (!sep->is_list() || sep->list().size() != 2 || !sep->list()[0].is_string() ||
        !sep->list()[1].is_string())
      render_fail("tojson separators must be a pair of strings");
    o.item_separator = sep->list()[0].as_string();
    o.key_separator = sep->list()[1].as_string();
  }
  o.sort_keys = flag(args, 3, "sort_keys", false);
  return Value(to_json(input, o));
}

Value filter_indent(const Value& input, const CallArgs& args, Evaluator& ev) {
  std::string indentation = "    ";
  if (const Value* width = args.get(0, "width")) {
    if (width->is_string()) {
      indentation = width->as_string();
    } else {
      const int64_t n = width->as_int();
      indentation.assign(static_cast<size_t>(std::clamp<int64_t>(n, 0, 1024)), ' ');
    }
  }
  const bool first = flag(args, 1, "first", false);
  const bool blank = flag(args, 2, "blank", false);
  // Jinja2 appends a newline and splits into lines, so a trailing newline is dropped.
  const std::string s = text_of(input) + "\n";
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' || s[i] == '\r') {
      lines.push_back(s.substr(start, i - start));
      if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      start = i + 1;
    }
  }
  std::string out = lines.empty() ? "" : lines[0];
  for (size_t i = 1; i < lines.size(); ++i) {
    out += "\n";
    if (blank || !lines[i].empty()) out += indentation;
    out += lines[i];
    ev.check_size(out.size());
  }
  if (first) out = indentation + out;
  return Value(out);
}

Value filter_round(const Value& input, const CallArgs& args) {
  if (!input.is_number()) type_error("round needs a number", input);
  const Value* p = args.get(0, "precision");
  const int64_t precision = p ? std::clamp<int64_t>(p->as_int(), -20, 20) : 0;
  const Value* m = args.get(1, "method");
  const std::string method = m && m->is_string() ? m->as_string() : "common";
  if (input.is_int() && method == "common") return input;
  const double scale = std::pow(10.0, static_cast<double>(precision));
  const double x = input.as_double() * scale;
  double r;
  if (method == "common" && precision >= 0) {
    // Python rounds the exact binary value, halves to even; so does printf's %.Nf.
    char buf[400];
    std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(precision), input.as_double());
    return Value(std::strtod(buf, nullptr));
  }
  if (method == "common") {
    r = std::nearbyint(x);  // halves to even
  } else if (method == "ceil") {
    r = std::ceil(x);
  } else if (method == "floor") {
    r = std::floor(x);
  } else {
    render_fail("method must be common, ceil or floor");
  }
  return Value(r / scale);
}

Value parse_int(const Value& input, const CallArgs& args) {
  const Value* fallback = args.get(0, "default");
  const Value dflt = fallback ? *fallback : Value(static_cast<int64_t>(0));
  if (input.is_int() || input.is_bool()) return Value(input.as_int());
  if (input.is_float()) {
    const double f = input.as_double();
    if (!std::isfinite(f) || std::fabs(f) >= 9.2e18) return dflt;
    return Value(static_cast<int64_t>(f));
  }
  if (!input.is_string()) return dflt;
  std::string s = input.as_string();
  s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
  const char* begin = s.c_str();
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(begin, &end, 10);
  auto rest_blank = [](const char* p) {
    while (*p && std::isspace(static_cast<unsigned char>(*p))) ++p;
    return *p == '\0';
  };
  if (end != begin && errno == 0 && rest_blank(end)) return Value(static_cast<int64_t>(v));
  // Python's float() reads no hexadecimal, which strtod would.
  if (s.find_first_of("xX") != std::string::npos) return dflt;
  const double f = std::strtod(begin, &end);
  if (end != begin && rest_blank(end) && std::isfinite(f) && std::fabs(f) < 9.2e18)
    return Value(static_cast<int64_t>(f));
  return dflt;
}

Value parse_float(const Value& input, const CallArgs& args) {
  const Value* fallback = args.get(0, "default");
  const Value dflt = fallback ? *fallback : Value(0.0);
  if (input.is_number()) return Value(input.as_double());
  if (!input.is_string()) return dflt;
  if (input.as_string().find_first_of("xX") != std::string::npos) return dflt;  // no hex floats
  const char* begin = input.as_string().c_str();
  char* end = nullptr;
  const double f = std::strtod(begin, &end);
  while (*end && std::isspace(static_cast<unsigned char>(*end))) ++end;
  if (end == begin || *end) return dflt;
  return Value(f);
}

std::string escape_html(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Jinja2's title: words start after whitespace, '-', or an opening bracket.
std::string jinja_title(const std::string& s) {
  std::string out;
  bool word_start = true;
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    const bool separator =
        std::isspace(u) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<';
    if (separator) {
      out += c;
      word_start = true;
    } else {
      out += static_cast<char>(word_start ? std::toupper(u) : std::tolower(u));
      word_start = false;
    }
  }
  return out;
}

// select/reject/selectattr/rejectattr: keep items whose test (or truthiness) equals `keep`.
Value filter_select(Evaluator& ev, const Value& input, const CallArgs& args, bool by_attribute,
                    bool keep) {
  if (!input.truthy()) return Value(ValueList{});  // Jinja2 yields nothing for a falsy input
  size_t next = 0;
  const Value* attribute = nullptr;
  if (by_attribute) {
    if (args.positional.empty()) render_fail("selectattr/rejectattr need an attribute");
    attribute = &args.positional[next++];
  }
  std::string test;
  if (next < args.positional.size()) {
    if (!args.positional[next].is_string())
      type_error("test name must be a string", args.positional[next]);
    test = args.positional[next++].as_string();
  }
  CallArgs test_args;
  for (size_t i = next; i < args.positional.size(); ++i)
    test_args.positional.push_back(args.positional[i]);
  ValueList out;
  for (const Value& item : ev.iterate(input)) {
    ev.count_iterations(1);
    const Value subject = attribute ? attribute_path(ev, item, *attribute) : item;
    const bool passed = test.empty() ? subject.truthy() : ev.apply_test(test, subject, test_args);
    if (passed == keep) out.push_back(item);
  }
  return Value(std::move(out));
}

Value filter_map(Evaluator& ev, const Value& input, const CallArgs& args) {
  ValueList out;
  if (!input.truthy()) return Value(std::move(out));  // as Jinja2: a falsy input maps to nothing
  const Value* attribute = nullptr;
  for (const auto& [k, v] : args.keyword)
    if (k == "attribute") attribute = &v;
  if (attribute) {
    const Value* fallback = nullptr;
    for (const auto& [k, v] : args.keyword)
      if (k == "default") fallback = &v;
    for (const Value& item : ev.iterate(input)) {
      ev.count_iterations(1);
      Value v = attribute_path(ev, item, *attribute);
      out.push_back(v.is_undefined() && fallback ? *fallback : v);
    }
    return Value(std::move(out));
  }
  if (args.positional.empty() || !args.positional[0].is_string())
    render_fail("map needs a filter name or attribute=");
  const std::string filter = args.positional[0].as_string();
  CallArgs filter_args;
  filter_args.positional.assign(args.positional.begin() + 1, args.positional.end());
  filter_args.keyword = args.keyword;
  for (const Value& item : ev.iterate(input)) {
    ev.count_iterations(1);
    out.push_back(ev.apply_filter(filter, item, filter_args));
  }
  return Value(std::move(out));
}

Value filter_sort(Evaluator& ev, const Value& input, const CallArgs& args) {
  const bool reverse = flag(args, 0, "reverse", false);
  const bool case_sensitive = flag(args, 1, "case_sensitive", false);
  const Value* attribute = args.get(2, "attribute");
  ValueList items = ev.iterate(input);
  ev.count_iterations(items.size());
  std::vector<std::pair<Value, Value>> keyed;
  for (Value& item : items) keyed.emplace_back(sort_key(ev, item, attribute, case_sensitive), item);
  std::stable_sort(keyed.begin(), keyed.end(), [reverse](const auto& a, const auto& b) {
    return reverse ? value_less(b.first, a.first) : value_less(a.first, b.first);
  });
  ValueList out;
  for (auto& kv : keyed) out.push_back(std::move(kv.second));
  return Value(std::move(out));
}

Value filter_dictsort(Evaluator& ev, const Value& input, const CallArgs& args) {
  if (!input.is_dict()) type_error("dictsort needs a mapping", input);
  const bool case_sensitive = flag(args, 0, "case_sensitive", false);
  const Value* by = args.get(1, "by");
  const bool by_value = by && by->is_string() && by->as_string() == "value";
  const bool reverse = flag(args, 2, "reverse", false);
  ValueList pairs;
  for (const auto& [k, v] : input.dict().entries()) pairs.push_back(Value::tuple(ValueList{k, v}));
  ev.count_iterations(pairs.size());
  auto key = [&](const Value& pair) {
    const Value& k = pair.list()[by_value ? 1 : 0];
    return !case_sensitive && k.is_string() ? Value(ascii_lower(k.as_string())) : k;
  };
  std::stable_sort(pairs.begin(), pairs.end(), [&](const Value& a, const Value& b) {
    return reverse ? value_less(key(b), key(a)) : value_less(key(a), key(b));
  });
  return Value(std::move(pairs));
}

Value filter_unique(Evaluator& ev, const Value& input, const CallArgs& args) {
  const bool case_sensitive = flag(args, 0, "case_sensitive", false);
  const Value* attribute = args.get(1, "attribute");
  ValueList seen, out;
  for (const Value& item : ev.iterate(input)) {
    ev.count_iterations(seen.size() + 1);
    Value key = sort_key(ev, item, attribute, case_sensitive);
    bool duplicate = false;
    for (const Value& s : seen) duplicate = duplicate || values_equal(s, key);
    if (duplicate) continue;
    seen.push_back(key);
    out.push_back(item);
  }
  return Value(std::move(out));
}

Value filter_min_max(Evaluator& ev, const Value& input, const CallArgs& args, bool want_max) {
  const bool case_sensitive = flag(args, 0, "case_sensitive", false);
  const Value* attribute = args.get(1, "attribute");
  ValueList items = ev.iterate(input);
  if (items.empty()) return Value::undefined("no items in the sequence");
  size_t best = 0;
  Value best_key = sort_key(ev, items[0], attribute, case_sensitive);
  for (size_t i = 1; i < items.size(); ++i) {
    Value key = sort_key(ev, items[i], attribute, case_sensitive);
    if (want_max ? value_less(best_key, key) : value_less(key, best_key)) {
      best = i;
      best_key = key;
    }
  }
  return items[best];
}

Value filter_join(Evaluator& ev, const Value& input, const CallArgs& args) {
  const Value* sep = args.get(0, "d");
  const std::string separator = sep ? sep->str() : "";
  const Value* attribute = args.get(1, "attribute");
  std::string out;
  bool first = true;
  for (const Value& item : ev.iterate(input)) {
    if (!first) out += separator;
    first = false;
    out += (attribute && !attribute->is_none() ? attribute_path(ev, item, *attribute) : item).str();
    ev.check_size(out.size());
  }
  return Value(out);
}

}  // namespace

bool is_known_filter(const std::string& name) {
  for (const char* f : kFilters)
    if (name == f) return true;
  return false;
}

Value run_filter(Evaluator& ev, const std::string& name, const Value& input, const CallArgs& args) {
  if (name == "trim") return call_method(ev, Value(text_of(input)), "strip", args);
  if (name == "tojson") return filter_tojson(input, args);
  if (name == "length" || name == "count") return Value(length_of(input));
  if (name == "upper") return Value(ascii_upper(text_of(input)));
  if (name == "lower") return Value(ascii_lower(text_of(input)));
  if (name == "capitalize") return call_method(ev, Value(text_of(input)), "capitalize", {});
  if (name == "title") return Value(jinja_title(text_of(input)));
  if (name == "default" || name == "d") {
    const Value* fallback = args.get(0, "default_value");
    const bool boolean = flag(args, 1, "boolean", false);
    if (input.is_undefined() || (boolean && !input.truthy()))
      return fallback ? *fallback : Value(std::string());
    return input;
  }
  if (name == "join") return filter_join(ev, input, args);
  if (name == "first" || name == "last") {
    ValueList items = ev.iterate(input);
    if (items.empty()) return Value::undefined("no " + name + " item, sequence was empty");
    return name == "first" ? items.front() : items.back();
  }
  if (name == "list") return Value(ev.iterate(input));
  if (name == "items") {
    if (input.is_undefined()) return Value(ValueList{});
    if (!input.is_dict()) type_error("can only get item pairs from a mapping", input);
    return call_method(ev, input, "items", {});
  }
  if (name == "selectattr" || name == "rejectattr")
    return filter_select(ev, input, args, true, name == "selectattr");
  if (name == "select" || name == "reject")
    return filter_select(ev, input, args, false, name == "select");
  if (name == "map") return filter_map(ev, input, args);
  if (name == "safe" || name == "string") return input.is_string() ? input : Value(input.str());
  // Python's int()/float() and indent's `s + "\n"` fail on an undefined, unlike str().
  if ((name == "int" || name == "float" || name == "indent") && input.is_undefined())
    render_fail(input.hint());
  if (name == "int") return parse_int(input, args);
  if (name == "float") return parse_float(input, args);
  if (name == "replace") return call_method(ev, Value(text_of(input)), "replace", args);
  if (name == "indent") return filter_indent(input, args, ev);
  if (name == "round") return filter_round(input, args);
  if (name == "unique") return filter_unique(ev, input, args);
  if (name == "sort") return filter_sort(ev, input, args);
  if (name == "dictsort") return filter_dictsort(ev, input, args);
  if (name == "reverse") {
    if (input.is_string()) {
      std::vector<std::string> chars = utf8_chars(input.as_string());
      std::string out;
      for (auto it = chars.rbegin(); it != chars.rend(); ++it) out += *it;
      return Value(out);
    }
    ValueList items = ev.iterate(input);
    std::reverse(items.begin(), items.end());
    return Value(std::move(items));
  }
  if (name == "abs") {
    if (input.is_float()) return Value(std::fabs(input.as_double()));
    if (!input.is_number()) type_error("bad operand type for abs()", input);
    if (input.as_int() == INT64_MIN) render_fail("integer overflow");
    return Value(input.as_int() < 0 ? -input.as_int() : input.as_int());
  }
  if (name == "e" || name == "escape" || name == "forceescape")
    return Value(escape_html(text_of(input)));
  if (name == "min" || name == "max") return filter_min_max(ev, input, args, name == "max");
  if (name == "sum") {
    const Value* attribute = args.get(0, "attribute");
    const Value* start = args.get(1, "start");
    Value total = start ? *start : Value(static_cast<int64_t>(0));
    for (const Value& item : ev.iterate(input))
      total = binary_operator(
          "+", total,
          attribute && !attribute->is_none() ? attribute_path(ev, item, *attribute) : item, ev);
    return total;
  }
  if (name == "attr") {
    const Value* attribute = args.get(0, "name");
    if (!attribute || !attribute->is_string()) render_fail("attr needs an attribute name");
    return ev.get_attribute(input, attribute->as_string());
  }
  if (name == "format") {
    if (!args.keyword.empty()) {
      Dict mapping;
      for (const auto& [k, v] : args.keyword) mapping.set(k, v);
      return Value(percent_format(text_of(input), Value(std::move(mapping))));
    }
    return Value(percent_format(text_of(input), Value(args.positional)));
  }
  if (name == "wordcount") {
    const Value words = call_method(ev, Value(text_of(input)), "split", {});
    return Value(static_cast<int64_t>(words.list().size()));
  }
  if (name == "center") {
    const Value* width = args.get(0, "width");
    const std::string s = text_of(input);
    const int64_t w = std::clamp<int64_t>(width ? width->as_int() : 80, 0, 4096);
    const int64_t len = static_cast<int64_t>(utf8_length(s));
    if (len >= w) return Value(s);
    const int64_t total = w - len;
    const int64_t left = total / 2 + (total & w & 1);  // Python's str.center rounding
    return Value(std::string(static_cast<size_t>(left), ' ') + s +
                 std::string(static_cast<size_t>(total - left), ' '));
  }
  if (name == "batch") {
    const Value* size = args.get(0, "linecount");
    if (!size || !size->is_int() || size->as_int() <= 0) render_fail("batch needs a positive size");
    const Value* fill = args.get(1, "fill_with");
    ValueList out, current;
    for (const Value& item : ev.iterate(input)) {
      current.push_back(item);
      if (static_cast<int64_t>(current.size()) == size->as_int()) {
        out.push_back(Value(std::move(current)));
        current.clear();
      }
    }
    if (!current.empty()) {
      while (fill && !fill->is_none() && static_cast<int64_t>(current.size()) < size->as_int())
        current.push_back(*fill);
      out.push_back(Value(std::move(current)));
    }
    return Value(std::move(out));
  }
  render_fail("no filter named '" + name + "'");
}

}  // namespace hearth::tmpl

#include "template/value.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "platform/per_thread.hpp"
#include "template/render_error.hpp"

namespace hearth::tmpl {

const Value* Dict::find(const std::string& key) const {
  for (const auto& [k, v] : entries_)
    if (k.is_string() && k.as_string() == key) return &v;
  return nullptr;
}

Value* Dict::find(const std::string& key) {
  for (auto& [k, v] : entries_)
    if (k.is_string() && k.as_string() == key) return &v;
  return nullptr;
}

const Value* Dict::find(const Value& key) const {
  for (const auto& [k, v] : entries_)
    if (values_equal(k, key)) return &v;
  return nullptr;
}

void Dict::set(const std::string& key, Value value) {
  if (Value* existing = find(key)) {
    *existing = std::move(value);
    return;
  }
  entries_.emplace_back(Value(key), std::move(value));
}

void Dict::set_key(const Value& key, Value value) {
  for (auto& [k, v] : entries_) {
    if (values_equal(k, key)) {
      v = std::move(value);
      return;
    }
  }
  entries_.emplace_back(key, std::move(value));
}

const Value* CallArgs::get(size_t index, const std::string& name) const {
  for (const auto& [k, v] : keyword)
    if (k == name) return &v;
  return index < positional.size() ? &positional[index] : nullptr;
}

namespace {
thread_local int nesting_depth = 0;
}  // namespace

NestingGuard::NestingGuard() {
  if (++nesting_depth > kMaxValueNesting) {
    --nesting_depth;
    render_fail("data nests deeper than " + std::to_string(kMaxValueNesting) + " levels");
  }
}

NestingGuard::~NestingGuard() {
  --nesting_depth;
}

Value::~Value() {
  const bool own_list = list_ && list_.use_count() == 1;
  const bool own_dict = dict_ && dict_.use_count() == 1;
  if (!own_list && !own_dict) return;
  // Children that are containers we alone hold move to a worklist that the outermost
  // destructor drains, so each destructor only ever frees one level.
  struct PendingTag {};  // not thread_local std::vector: see platform/per_thread.hpp
  auto& pending = platform::per_thread<std::vector<Value>, PendingTag>();
  static thread_local bool draining = false;
  auto take = [&pending](Value& child) {
    if ((child.list_ && child.list_.use_count() == 1) ||
        (child.dict_ && child.dict_.use_count() == 1))
      pending.push_back(std::move(child));
  };
  if (own_list)
    for (Value& child : *list_) take(child);
  if (own_dict)
    for (auto& entry : dict_->mutable_entries()) take(entry.second);
  if (draining) return;
  draining = true;
  while (!pending.empty()) {
    Value next = std::move(pending.back());
    pending.pop_back();
  }
  draining = false;
}

Value Value::undefined(std::string hint) {
  Value v;
  v.string_ = std::make_shared<std::string>(std::move(hint));
  return v;
}

Value Value::none() {
  Value v;
  v.kind_ = Kind::kNone;
  return v;
}

Value::Value(bool b) : kind_(Kind::kBool), bool_(b) {}
Value::Value(int64_t i) : kind_(Kind::kInt), int_(i) {}
Value::Value(double f) : kind_(Kind::kFloat), float_(f) {}
Value::Value(std::string s)
    : kind_(Kind::kString), string_(std::make_shared<std::string>(std::move(s))) {}
Value::Value(ValueList list)
    : kind_(Kind::kList), list_(std::make_shared<ValueList>(std::move(list))) {}
Value::Value(Dict dict) : kind_(Kind::kDict), dict_(std::make_shared<Dict>(std::move(dict))) {}

Value Value::callable(Callable fn, std::string name) {
  Value v;
  v.kind_ = Kind::kCallable;
  v.callable_ = std::make_shared<Callable>(std::move(fn));
  v.string_ = std::make_shared<std::string>(std::move(name));
  return v;
}

Value Value::bound_method(Value self, std::string name) {
  Value v;
  v.kind_ = Kind::kCallable;
  v.bound_ = std::make_shared<Value>(std::move(self));
  v.string_ = std::make_shared<std::string>(std::move(name));
  return v;
}

Value Value::tuple(ValueList items) {
  Value v(std::move(items));
  v.tuple_ = true;
  return v;
}

Value Value::namespace_object(Dict dict) {
  Value v(std::move(dict));
  v.namespace_ = true;
  return v;
}

const std::string& Value::hint() const {
  static const std::string empty;
  return string_ ? *string_ : empty;
}

int64_t Value::as_int() const {
  return kind_ == Kind::kBool ? (bool_ ? 1 : 0) : int_;
}

double Value::as_double() const {
  if (kind_ == Kind::kFloat) return float_;
  return static_cast<double>(as_int());
}

bool Value::truthy() const {
  switch (kind_) {
    case Kind::kUndefined:
    case Kind::kNone:
      return false;
    case Kind::kBool:
      return bool_;
    case Kind::kInt:
      return int_ != 0;
    case Kind::kFloat:
      return float_ != 0.0;
    case Kind::kString:
      return !string_->empty();
    case Kind::kList:
      return !list_->empty();
    case Kind::kDict:
      return dict_->size() != 0;
    case Kind::kCallable:
      return true;
  }
  return false;
}

std::string python_float_repr(double f) {
  if (std::isnan(f)) return "nan";
  if (std::isinf(f)) return f > 0 ? "inf" : "-inf";
  // The shortest %.{p}e that reads back exactly gives the digits and the exponent.
  char buf[40];
  for (int precision = 0; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*e", precision, f);
    if (std::strtod(buf, nullptr) == f) break;
  }
  std::string text(buf);
  const size_t e = text.find('e');
  std::string mantissa = text.substr(0, e);
  const int exponent = std::atoi(text.c_str() + e + 1);
  const bool negative = mantissa[0] == '-';
  if (negative) mantissa.erase(0, 1);
  std::string digits;
  for (char c : mantissa)
    if (c != '.') digits += c;
  std::string out;
  if (exponent < -4 || exponent >= 16) {
    // Python: d.ddde+XX with at least two exponent digits.
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char exp_buf[16];
    std::snprintf(exp_buf, sizeof exp_buf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    out += exp_buf;
  } else if (exponent < 0) {
    out = "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
  } else {
    const size_t int_digits = static_cast<size_t>(exponent) + 1;
    if (digits.size() <= int_digits) {
      out = digits + std::string(int_digits - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, int_digits) + "." + digits.substr(int_digits);
    }
  }
  return negative ? "-" + out : out;
}

namespace {

std::string quote_python(const std::string& s) {
  // Python prefers single quotes unless the text contains one and no double quote.
  const bool has_single = s.find('\'') != std::string::npos;
  const bool has_double = s.find('"') != std::string::npos;
  const char q = has_single && !has_double ? '"' : '\'';
  std::string out(1, q);
  for (unsigned char c : s) {
    if (c == q || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += q;
  return out;
}

}  // namespace

std::string Value::str() const {
  switch (kind_) {
    case Kind::kUndefined:
      return "";
    case Kind::kString:
      return *string_;
    default:
      return repr();
  }
}

std::string Value::repr() const {
  switch (kind_) {
    case Kind::kUndefined:
      return "Undefined";  // what Python shows for an Undefined inside a printed list
    case Kind::kNone:
      return "None";
    case Kind::kBool:
      return bool_ ? "True" : "False";
    case Kind::kInt:
      return std::to_string(int_);
    case Kind::kFloat:
      return python_float_repr(float_);
    case Kind::kString:
      return quote_python(*string_);
    case Kind::kList: {
      NestingGuard guard;
      std::string out = tuple_ ? "(" : "[";
      for (size_t i = 0; i < list_->size(); ++i) {
        if (i) out += ", ";
        out += (*list_)[i].repr();
      }
      if (tuple_) return out + (list_->size() == 1 ? ",)" : ")");
      return out + "]";
    }
    case Kind::kDict: {
      NestingGuard guard;
      std::string out = namespace_ ? "<Namespace {" : "{";
      bool first = true;
      for (const auto& [k, v] : dict_->entries()) {
        if (!first) out += ", ";
        first = false;
        out += k.repr() + ": " + v.repr();
      }
      return out + (namespace_ ? "}>" : "}");
    }
    case Kind::kCallable:
      return "<function " + *string_ + ">";
  }
  return "";
}

std::string Value::type_name() const {
  switch (kind_) {
    case Kind::kUndefined:
      return "Undefined";
    case Kind::kNone:
      return "NoneType";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kString:
      return "str";
    case Kind::kList:
      return "list";
    case Kind::kDict:
      return namespace_ ? "Namespace" : "dict";
    case Kind::kCallable:
      return "function";
  }
  return "object";
}

bool values_equal(const Value& a, const Value& b) {
  NestingGuard guard;
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_double() == b.as_double();
    return a.as_int() == b.as_int();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::kUndefined:
    case Kind::kNone:
      return true;
    case Kind::kString:
      return a.as_string() == b.as_string();
    case Kind::kList: {
      const ValueList& x = a.list();
      const ValueList& y = b.list();
      if (x.size() != y.size() || a.is_tuple() != b.is_tuple()) return false;  // (1,) != [1]
      for (size_t i = 0; i < x.size(); ++i)
        if (!values_equal(x[i], y[i])) return false;
      return true;
    }
    case Kind::kDict: {
      if (&a.dict() == &b.dict()) return true;
      if (a.dict().size() != b.dict().size()) return false;
      for (const auto& [k, v] : a.dict().entries()) {
        const Value* other = b.dict().find(k);  // by key value, as Python hashes
        if (!other || !values_equal(v, *other)) return false;
      }
      return true;
    }
    case Kind::kCallable:
      return a.same_callable(b);
    default:
      return false;
  }
}

bool value_contains(const Value& v, const void* container) {
  NestingGuard guard;
  if (v.is_list()) {
    if (&v.list() == container) return true;
    for (const Value& item : v.list())
      if (value_contains(item, container)) return true;
  } else if (v.is_dict()) {
    if (&v.dict() == container) return true;
    for (const auto& kv : v.dict().entries())
      if (value_contains(kv.second, container)) return true;
  } else if (v.is_bound_method()) {
    return value_contains(v.bound_self(), container);
  }
  return false;
}

bool value_less(const Value& a, const Value& b) {
  NestingGuard guard;
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_double() < b.as_double();
    return a.as_int() < b.as_int();
  }
  if (a.is_string() && b.is_string()) return a.as_string() < b.as_string();
  if (a.is_list() && b.is_list()) {
    const ValueList& x = a.list();
    const ValueList& y = b.list();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (value_less(x[i], y[i])) return true;
      if (value_less(y[i], x[i])) return false;
    }
    return x.size() < y.size();
  }
  render_fail("'<' not supported between instances of '" + a.type_name() + "' and '" +
              b.type_name() + "'");
}

}  // namespace hearth::tmpl

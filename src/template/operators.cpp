// Binary operators with Python's semantics (int overflow, which Python avoids with big integers,
// is an error here rather than a wrap-around).
#include <cmath>
#include <cstdint>

#include "template/builtins.hpp"
#include "template/render_error.hpp"

namespace hearth::tmpl {
namespace {

[[noreturn]] void unsupported(const std::string& op, const Value& a, const Value& b) {
  if (a.is_undefined()) render_fail(a.hint());
  if (b.is_undefined()) render_fail(b.hint());
  render_fail("unsupported operand type(s) for " + op + ": '" + a.type_name() + "' and '" +
              b.type_name() + "'");
}

// Applies a __builtin_*_overflow operation, failing on overflow.
template <typename Op>
int64_t checked(Op op, int64_t x, int64_t y) {
  int64_t r = 0;
  if (op(x, y, &r)) render_fail("integer overflow");
  return r;
}
bool add(int64_t x, int64_t y, int64_t* r) {
  return __builtin_add_overflow(x, y, r);
}
bool sub(int64_t x, int64_t y, int64_t* r) {
  return __builtin_sub_overflow(x, y, r);
}
bool mul(int64_t x, int64_t y, int64_t* r) {
  return __builtin_mul_overflow(x, y, r);
}

Value repeat(const Value& seq, int64_t times, Evaluator& ev) {
  if (times <= 0) return seq.is_string() ? Value(std::string()) : Value(ValueList{});
  if (seq.is_string()) {
    const std::string& s = seq.as_string();
    uint64_t total = 0;
    if (__builtin_mul_overflow(static_cast<uint64_t>(s.size()), static_cast<uint64_t>(times),
                               &total))
      total = UINT64_MAX;
    ev.check_size(total > SIZE_MAX ? SIZE_MAX : static_cast<size_t>(total));
    std::string out;
    out.reserve(s.size() * static_cast<size_t>(times));
    for (int64_t i = 0; i < times; ++i) out += s;
    return Value(std::move(out));
  }
  const ValueList& items = seq.list();
  uint64_t total = 0;
  if (__builtin_mul_overflow(static_cast<uint64_t>(items.size()), static_cast<uint64_t>(times),
                             &total))
    total = UINT64_MAX;
  ev.count_iterations(total);
  ValueList out;
  for (int64_t i = 0; i < times; ++i) out.insert(out.end(), items.begin(), items.end());
  return Value(std::move(out));
}

double python_mod(double a, double b) {
  double r = std::fmod(a, b);
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

Value arithmetic(const std::string& op, const Value& a, const Value& b, Evaluator& ev) {
  if (op == "+") {
    if (a.is_string() && b.is_string()) {
      ev.check_size(a.as_string().size() + b.as_string().size());
      return Value(a.as_string() + b.as_string());
    }
    if (a.is_list() && b.is_list()) {
      ValueList out = a.list();
      out.insert(out.end(), b.list().begin(), b.list().end());
      return Value(std::move(out));
    }
  }
  if (op == "*") {
    if ((a.is_string() || a.is_list()) && (b.is_int() || b.is_bool()))
      return repeat(a, b.as_int(), ev);
    if ((b.is_string() || b.is_list()) && (a.is_int() || a.is_bool()))
      return repeat(b, a.as_int(), ev);
  }
  if (op == "%" && a.is_string()) return Value(percent_format(a.as_string(), b));
  if (!a.is_number() || !b.is_number()) unsupported(op, a, b);
  const bool floating = a.is_float() || b.is_float();
  if (op == "/") {
    if (b.as_double() == 0) render_fail("division by zero");
    return Value(a.as_double() / b.as_double());
  }
  if (floating) {
    const double x = a.as_double(), y = b.as_double();
    if (op == "+") return Value(x + y);
    if (op == "-") return Value(x - y);
    if (op == "*") return Value(x * y);
    if (op == "**") return Value(std::pow(x, y));
    if (y == 0) render_fail("float division by zero");
    if (op == "//") return Value(std::floor(x / y));
    return Value(python_mod(x, y));  // %
  }
  const int64_t x = a.as_int(), y = b.as_int();
  if (op == "+") return Value(checked(add, x, y));
  if (op == "-") return Value(checked(sub, x, y));
  if (op == "*") return Value(checked(mul, x, y));
  if (op == "**") {
    if (y < 0) return Value(std::pow(static_cast<double>(x), static_cast<double>(y)));
    int64_t result = 1;
    for (int64_t i = 0; i < y; ++i) {
      result = checked(mul, result, x);
      if (result == 0 || result == 1) break;
    }
    if (result == 1 && x == -1 && y % 2 == 1) result = -1;
    return Value(result);
  }
  if (y == 0) render_fail("integer division or modulo by zero");
  if (x == INT64_MIN && y == -1) render_fail("integer overflow");
  int64_t q = x / y, m = x % y;
  if (m != 0 && ((m < 0) != (y < 0))) {  // Python floors toward negative infinity
    q -= 1;
    m += y;
  }
  return Value(op == "//" ? q : m);
}

}  // namespace

bool value_in(const Value& needle, const Value& haystack) {
  switch (haystack.kind()) {
    case Kind::kUndefined:
      return false;  // iterating an undefined yields nothing
    case Kind::kString:
      if (!needle.is_string())
        render_fail("'in <string>' requires string as left operand, not " + needle.type_name());
      return haystack.as_string().find(needle.as_string()) != std::string::npos;
    case Kind::kList:
      for (const Value& v : haystack.list())
        if (values_equal(v, needle)) return true;
      return false;
    case Kind::kDict:
      return haystack.dict().find(needle) != nullptr;
    default:
      render_fail("argument of type '" + haystack.type_name() + "' is not iterable");
  }
}

Value binary_operator(const std::string& op, const Value& a, const Value& b, Evaluator& ev) {
  if (op == "~") {
    ev.check_size(a.str().size() + b.str().size());
    return Value(a.str() + b.str());
  }
  if (op == "==") return Value(values_equal(a, b));
  if (op == "!=") return Value(!values_equal(a, b));
  if (op == "in") return Value(value_in(a, b));
  if (op == "not in") return Value(!value_in(a, b));
  if (op == "<" || op == ">" || op == "<=" || op == ">=") {
    if (a.is_undefined()) render_fail(a.hint());
    if (b.is_undefined()) render_fail(b.hint());
    if (op == "<") return Value(value_less(a, b));
    if (op == ">") return Value(value_less(b, a));
    if (op == "<=") return Value(!value_less(b, a));
    return Value(!value_less(a, b));
  }
  return arithmetic(op, a, b, ev);
}

}  // namespace hearth::tmpl

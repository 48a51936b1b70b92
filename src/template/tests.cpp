// Jinja tests (`x is defined`, `x is not none`, `n is divisibleby 3`), as Jinja2 defines them on
// Python values: a bool is a number, a string is iterable and a sequence, so is an undefined.
#include <cctype>

#include "template/builtins.hpp"
#include "template/parser.hpp"
#include "template/render_error.hpp"

namespace hearth::tmpl {
namespace {

const char* const kTests[] = {
    "defined", "undefined", "none",    "boolean",  "false",    "true",     "integer",     "float",
    "number",  "string",    "mapping", "iterable", "sequence", "callable", "equalto",     "eq",
    "==",      "ne",        "!=",      "lt",       "<",        "le",       "<=",          "gt",
    ">",       "ge",        ">=",      "in",       "odd",      "even",     "divisibleby", "sameas",
    "lower",   "upper",     "filter",  "test",     "escaped",  "lessthan", "greaterthan"};

const Value& argument(const CallArgs& args, const std::string& test) {
  if (args.positional.empty()) render_fail("test '" + test + "' needs an argument");
  return args.positional[0];
}

bool same_object(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::kUndefined:
    case Kind::kNone:
      return true;
    case Kind::kBool:
      return a.as_bool() == b.as_bool();
    case Kind::kInt:
    case Kind::kFloat:
    case Kind::kString:
      return values_equal(a, b);  // small ints and interned strings are usually identical
    case Kind::kList:
      return &a.list() == &b.list();
    case Kind::kDict:
      return &a.dict() == &b.dict();
    case Kind::kCallable:
      return a.same_callable(b);
  }
  return false;
}

int64_t integer_of(const Value& v, const std::string& test) {
  if (!v.is_int() && !v.is_bool()) type_error("test '" + test + "' needs an integer", v);
  return v.as_int();
}

}  // namespace

bool is_known_test(const std::string& name) {
  for (const char* t : kTests)
    if (name == t) return true;
  return false;
}

bool run_test(Evaluator& ev, const std::string& name, const Value& v, const CallArgs& args) {
  (void)ev;
  if (name == "defined") return !v.is_undefined();
  if (name == "undefined") return v.is_undefined();
  if (name == "none") return v.is_none();
  if (name == "boolean") return v.is_bool();
  if (name == "false") return v.is_bool() && !v.as_bool();
  if (name == "true") return v.is_bool() && v.as_bool();
  if (name == "integer") return v.is_int();
  if (name == "float") return v.is_float();
  if (name == "number") return v.is_number();
  if (name == "string") return v.is_string();
  if (name == "mapping") return v.is_dict() && !v.is_namespace();
  if (name == "iterable" || name == "sequence")
    return v.is_undefined() || v.is_string() || v.is_list() || (v.is_dict() && !v.is_namespace());
  if (name == "callable") return v.is_callable();
  if (name == "equalto" || name == "eq" || name == "==")
    return values_equal(v, argument(args, name));
  if (name == "ne" || name == "!=") return !values_equal(v, argument(args, name));
  if (name == "lt" || name == "<" || name == "lessthan")
    return binary_operator("<", v, argument(args, name), ev).truthy();
  if (name == "le" || name == "<=")
    return binary_operator("<=", v, argument(args, name), ev).truthy();
  if (name == "gt" || name == ">" || name == "greaterthan")
    return binary_operator(">", v, argument(args, name), ev).truthy();
  if (name == "ge" || name == ">=")
    return binary_operator(">=", v, argument(args, name), ev).truthy();
  if (name == "in") return value_in(v, argument(args, name));
  if (name == "odd") return integer_of(v, name) % 2 != 0;
  if (name == "even") return integer_of(v, name) % 2 == 0;
  if (name == "divisibleby") {
    const int64_t d = integer_of(argument(args, name), name);
    if (d == 0) render_fail("integer division or modulo by zero");
    return integer_of(v, name) % d == 0;
  }
  if (name == "sameas") return same_object(v, argument(args, name));
  if (name == "lower" || name == "upper") {
    if (!v.is_string()) return false;
    for (unsigned char c : v.as_string())
      if (name == "lower" ? std::isupper(c) : std::islower(c)) return false;
    return true;
  }
  if (name == "filter") return v.is_string() && is_known_filter(v.as_string());
  if (name == "test") return v.is_string() && is_known_test(v.as_string());
  if (name == "escaped") return false;  // no Markup strings: nothing is marked escaped
  render_fail("no test named '" + name + "'");
}

}  // namespace hearth::tmpl

// Expression evaluation: names, literals, attribute and item access, slices, calls, filters,
// tests and operators (with Jinja2's undefined semantics).
#include <cstdint>

#include "template/builtins.hpp"
#include "template/evaluator.hpp"
#include "template/render_error.hpp"
#include "template/utf8.hpp"

namespace hearth::tmpl {

void type_error(const std::string& what, const Value& got) {
  render_fail(what + ", got '" + got.type_name() + "'");
}

Value Evaluator::eval(const Expr& e, const ScopePtr& scope) {
  switch (e.kind) {
    case Expr::Kind::kLiteral:
      return e.literal;
    case Expr::Kind::kName: {
      if (const Value* v = scope->lookup(e.name)) return *v;
      return Value::undefined("'" + e.name + "' is undefined");
    }
    case Expr::Kind::kList:
    case Expr::Kind::kTuple: {
      ValueList items;
      items.reserve(e.args.size());
      for (const ExprPtr& a : e.args) items.push_back(eval(*a, scope));
      if (e.kind == Expr::Kind::kTuple) return Value::tuple(std::move(items));
      return Value(std::move(items));
    }
    case Expr::Kind::kDict: {
      Dict dict;
      for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
        Value key = eval(*e.args[i], scope);
        if (!key.is_string() && !key.is_number() && !key.is_none()) {
          line_ = e.line;
          render_fail("unhashable type: '" + key.type_name() + "'");
        }
        dict.set_key(key, eval(*e.args[i + 1], scope));
      }
      return Value(std::move(dict));
    }
    case Expr::Kind::kGetAttr: {
      Value object = eval(*e.args[0], scope);
      line_ = e.line;
      return get_attribute(object, e.name);
    }
    case Expr::Kind::kGetItem: {
      Value object = eval(*e.args[0], scope);
      Value key = eval(*e.args[1], scope);
      line_ = e.line;
      return get_item(object, key);
    }
    case Expr::Kind::kSlice:
      return eval_slice(e, scope);
    case Expr::Kind::kCall:
      return eval_call(e, scope);
    case Expr::Kind::kFilter: {
      Value input = eval(*e.args[0], scope);
      CallArgs args = eval_args(e, 1, scope);
      line_ = e.line;
      return apply_filter(e.name, input, args);
    }
    case Expr::Kind::kTest: {
      Value input = eval(*e.args[0], scope);
      CallArgs args = eval_args(e, 1, scope);
      line_ = e.line;
      return Value(apply_test(e.name, input, args) != e.negated);
    }
    case Expr::Kind::kUnary: {
      Value v = eval(*e.args[0], scope);
      line_ = e.line;
      if (e.name == "not") return Value(!v.truthy());
      if (v.is_undefined()) render_fail(v.hint());
      if (!v.is_number())
        render_fail("bad operand type for unary " + e.name + ": '" + v.type_name() + "'");
      if (e.name == "+") return v.is_float() ? v : Value(v.as_int());
      if (v.is_float()) return Value(-v.as_double());
      if (v.as_int() == INT64_MIN) render_fail("integer overflow");
      return Value(-v.as_int());
    }
    case Expr::Kind::kBinary:
      return eval_binary(e, scope);
    case Expr::Kind::kConditional: {
      if (eval(*e.args[0], scope).truthy()) return eval(*e.args[1], scope);
      if (e.args[2]) return eval(*e.args[2], scope);
      return Value::undefined("the inline if expression was false and had no else");
    }
  }
  return Value();
}

Value Evaluator::eval_binary(const Expr& e, const ScopePtr& scope) {
  if (e.name == "and") {
    Value left = eval(*e.args[0], scope);
    return left.truthy() ? eval(*e.args[1], scope) : left;
  }
  if (e.name == "or") {
    Value left = eval(*e.args[0], scope);
    return left.truthy() ? left : eval(*e.args[1], scope);
  }
  Value left = eval(*e.args[0], scope);
  Value right = eval(*e.args[1], scope);
  line_ = e.line;
  return binary_operator(e.name, left, right, *this);
}

CallArgs Evaluator::eval_args(const Expr& e, size_t first, const ScopePtr& scope) {
  CallArgs args;
  args.line = e.line;
  for (size_t i = first; i < e.args.size(); ++i) args.positional.push_back(eval(*e.args[i], scope));
  for (const auto& [name, value] : e.kwargs) args.keyword.emplace_back(name, eval(*value, scope));
  return args;
}

Value Evaluator::eval_call(const Expr& e, const ScopePtr& scope) {
  const Expr& callee_expr = *e.args[0];
  if (callee_expr.kind == Expr::Kind::kGetAttr) {
    // obj.method(...): dispatch directly rather than building a bound method first.
    Value object = eval(*callee_expr.args[0], scope);
    CallArgs args = eval_args(e, 1, scope);
    line_ = e.line;
    if (has_method(object, callee_expr.name))
      return call_method(*this, object, callee_expr.name, args);
    return call(get_attribute(object, callee_expr.name), args);
  }
  Value callee = eval(callee_expr, scope);
  CallArgs args = eval_args(e, 1, scope);
  line_ = e.line;
  return call(callee, args);
}

Value Evaluator::call(const Value& callee, const CallArgs& args) {
  if (callee.is_undefined()) render_fail(callee.hint());
  if (!callee.is_callable()) render_fail("'" + callee.type_name() + "' object is not callable");
  if (callee.is_bound_method()) return call_method(*this, callee.bound_self(), callee.hint(), args);
  return callee.function()(args);
}

Value Evaluator::apply_filter(const std::string& name, const Value& input, const CallArgs& args) {
  return run_filter(*this, name, input, args);
}

bool Evaluator::apply_test(const std::string& name, const Value& input, const CallArgs& args) {
  return run_test(*this, name, input, args);
}

Value Evaluator::get_attribute(const Value& object, const std::string& name) {
  if (object.is_undefined()) render_fail(object.hint());
  if (object.is_dict()) {
    // Jinja2 looks up attributes before items: d.items is the method even if 'items' is a key.
    if (!object.is_namespace() && has_method(object, name))
      return Value::bound_method(object, name);
    if (const Value* v = object.dict().find(name)) return *v;
    return Value::undefined("'" + object.type_name() + " object' has no attribute '" + name + "'");
  }
  if (has_method(object, name)) return Value::bound_method(object, name);
  return Value::undefined("'" + object.type_name() + " object' has no attribute '" + name + "'");
}

Value Evaluator::get_item(const Value& object, const Value& key) {
  if (object.is_undefined()) render_fail(object.hint());
  if (object.is_dict()) {
    if (const Value* v = object.dict().find(key)) return *v;
    if (key.is_string() && has_method(object, key.as_string()))
      return get_attribute(object, key.as_string());
    return Value::undefined("'" + object.type_name() + " object' has no attribute '" + key.str() +
                            "'");
  }
  if ((object.is_list() || object.is_string()) && (key.is_int() || key.is_bool())) {
    int64_t i = key.as_int();
    if (object.is_list()) {
      const int64_t n = static_cast<int64_t>(object.list().size());
      if (i < 0) i += n;
      if (i < 0 || i >= n) return Value::undefined("list index out of range");
      return object.list()[static_cast<size_t>(i)];
    }
    std::vector<std::string> chars = utf8_chars(object.as_string());
    const int64_t n = static_cast<int64_t>(chars.size());
    if (i < 0) i += n;
    if (i < 0 || i >= n) return Value::undefined("string index out of range");
    return Value(chars[static_cast<size_t>(i)]);
  }
  if (key.is_string()) return get_attribute(object, key.as_string());
  return Value::undefined("'" + object.type_name() + " object' has no item " + key.repr());
}

Value Evaluator::eval_slice(const Expr& e, const ScopePtr& scope) {
  Value object = eval(*e.args[0], scope);
  int64_t bounds[3] = {0, 0, 1};
  bool given[3] = {false, false, false};
  for (int k = 0; k < 3; ++k) {
    if (!e.args[1 + k]) continue;
    Value v = eval(*e.args[1 + k], scope);
    if (v.is_none()) continue;
    if (!v.is_int() && !v.is_bool()) {
      line_ = e.line;
      render_fail("slice indices must be integers or None, got '" + v.type_name() + "'");
    }
    bounds[k] = v.as_int();
    given[k] = true;
  }
  line_ = e.line;
  if (object.is_undefined()) render_fail(object.hint());
  const int64_t step = bounds[2];
  if (step == 0) render_fail("slice step cannot be zero");
  std::vector<std::string> chars;
  const bool is_string = object.is_string();
  if (is_string) {
    chars = utf8_chars(object.as_string());
  } else if (!object.is_list()) {
    render_fail("'" + object.type_name() + "' object is not subscriptable");
  }
  const int64_t n = static_cast<int64_t>(is_string ? chars.size() : object.list().size());
  // Python's slice.indices(): clamp, with defaults depending on the step's sign.
  auto clamp = [&](int64_t v, bool present, int64_t dflt) {
    if (!present) return dflt;
    if (v < 0) v += n;
    if (step > 0) return v < 0 ? 0 : (v > n ? n : v);
    return v < -1 ? -1 : (v > n - 1 ? n - 1 : v);
  };
  const int64_t start = clamp(bounds[0], given[0], step > 0 ? 0 : n - 1);
  const int64_t stop = clamp(bounds[1], given[1], step > 0 ? n : -1);
  std::string text;
  ValueList items;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (is_string) {
      text += chars[static_cast<size_t>(i)];
    } else {
      items.push_back(object.list()[static_cast<size_t>(i)]);
    }
  }
  return is_string ? Value(std::move(text)) : Value(std::move(items));
}

ValueList Evaluator::iterate(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
      return {};
    case Kind::kList:
      return v.list();
    case Kind::kDict: {
      ValueList keys;
      for (const auto& kv : v.dict().entries()) keys.push_back(kv.first);
      return keys;
    }
    case Kind::kString: {
      ValueList chars;
      for (std::string& c : utf8_chars(v.as_string())) chars.push_back(Value(std::move(c)));
      return chars;
    }
    default:
      render_fail("'" + v.type_name() + "' object is not iterable");
  }
}

}  // namespace hearth::tmpl

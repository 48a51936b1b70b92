// The dynamic values a Jinja template computes with, modelled on the Python objects Jinja2 uses:
// undefined, None, bool, int, float, str, list, dict (insertion-ordered), callables.
// Lists and dicts are shared by reference, as in Python, so `ns.x = ...` and list.append work.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace hearth::tmpl {

class Value;
using ValueList = std::vector<Value>;

// An insertion-ordered map (Python dicts keep insertion order; tojson relies on it). Keys are
// strings in nearly every template, but ints, floats, bools and None are allowed as in Python.
class Dict {
 public:
  using Entry = std::pair<Value, Value>;
  const Value* find(const std::string& key) const;
  Value* find(const std::string& key);
  const Value* find(const Value& key) const;
  void set(const std::string& key, Value value);
  void set_key(const Value& key, Value value);
  const std::vector<Entry>& entries() const { return entries_; }
  std::vector<Entry>& mutable_entries() { return entries_; }
  size_t size() const { return entries_.size(); }

 private:
  std::vector<Entry> entries_;
};

// Arguments of a call: positional, then keyword (in call order).
struct CallArgs {
  ValueList positional;
  std::vector<std::pair<std::string, Value>> keyword;
  int line = 0;

  // The argument named `name`, or at position `index` when not given by keyword; null if absent.
  const Value* get(size_t index, const std::string& name) const;
};

using Callable = std::function<Value(const CallArgs&)>;

enum class Kind { kUndefined, kNone, kBool, kInt, kFloat, kString, kList, kDict, kCallable };

class Value {
 public:
  Value() = default;  // undefined
  Value(const Value&) = default;
  Value(Value&&) noexcept = default;
  Value& operator=(const Value&) = default;
  Value& operator=(Value&&) noexcept = default;
  // Frees nested containers iteratively: a template can build lists nested deeper than the
  // stack could unwind recursively.
  ~Value();
  static Value undefined(std::string hint);  // hint: what was undefined, for error messages
  static Value none();
  Value(bool b);  // NOLINT: implicit like Python literals
  Value(int64_t i);
  Value(int i) : Value(static_cast<int64_t>(i)) {}
  Value(double f);
  Value(std::string s);
  Value(const char* s) : Value(std::string(s)) {}
  Value(ValueList list);
  Value(Dict dict);
  static Value callable(Callable fn, std::string name);
  // `self.name` as a value (`d.items`): called through call_method, and kept as data rather than
  // inside a closure so that cycle checks can see what it refers to.
  static Value bound_method(Value self, std::string name);
  // A namespace() object: a dict whose entries are attributes that `set ns.x = ...` may assign.
  static Value namespace_object(Dict dict);
  // A Python tuple: a list that prints as (a, b); what (a, b) literals and dict.items() make.
  static Value tuple(ValueList items);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_float() const { return kind_ == Kind::kFloat; }
  bool is_number() const {
    return kind_ == Kind::kInt || kind_ == Kind::kFloat || kind_ == Kind::kBool;
  }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_dict() const { return kind_ == Kind::kDict; }
  bool is_callable() const { return kind_ == Kind::kCallable; }
  bool is_namespace() const { return kind_ == Kind::kDict && namespace_; }
  bool is_tuple() const { return kind_ == Kind::kList && tuple_; }

  bool as_bool() const { return bool_; }
  int64_t as_int() const;    // bool and int
  double as_double() const;  // bool, int and float
  const std::string& as_string() const { return *string_; }
  ValueList& list() const { return *list_; }
  Dict& dict() const { return *dict_; }
  bool is_bound_method() const { return bound_ != nullptr; }
  const Value& bound_self() const { return *bound_; }
  const Callable& function() const { return *callable_; }  // callables other than bound methods
  bool same_callable(const Value& other) const {
    return callable_ == other.callable_ && bound_ == other.bound_;
  }
  // True for a list or dict no other Value shares (it may be updated in place unseen).
  bool sole_owner() const {
    return (list_ && list_.use_count() == 1) || (dict_ && dict_.use_count() == 1);
  }
  const std::string& hint() const;  // undefined's hint or callable's name ("" if none)

  bool truthy() const;
  // Python's str(): what {{ value }} prints ("" for undefined, "None", "True", "1.0", "['a']").
  std::string str() const;
  // Python's repr() (strings quoted), used inside printed containers.
  std::string repr() const;
  std::string type_name() const;  // Python's type name for messages: 'str', 'dict', 'NoneType'

 private:
  Kind kind_ = Kind::kUndefined;
  bool bool_ = false;
  bool namespace_ = false;
  bool tuple_ = false;
  int64_t int_ = 0;
  double float_ = 0;
  std::shared_ptr<std::string> string_;
  std::shared_ptr<ValueList> list_;
  std::shared_ptr<Dict> dict_;
  std::shared_ptr<Callable> callable_;
  std::shared_ptr<Value> bound_;
};

// Python's == (1 == 1.0 == True; lists and dicts element-wise; undefined equals only undefined).
bool values_equal(const Value& a, const Value& b);
// Python's <: numbers with numbers, strings with strings (bytewise = code point order), lists
// lexicographically. Throws std::invalid_argument naming the types otherwise.
bool value_less(const Value& a, const Value& b);

// Deepest nesting the recursive algorithms (printing, tojson, comparisons) follow before failing.
constexpr int kMaxValueNesting = 256;

// Counts the nesting of a recursive walk over values; throws RenderError past kMaxValueNesting.
class NestingGuard {
 public:
  NestingGuard();
  ~NestingGuard();
  NestingGuard(const NestingGuard&) = delete;
  NestingGuard& operator=(const NestingGuard&) = delete;
};

// True when `v` is the list or dict at `container` or holds it at any depth (an insertion that
// would create a cycle, which printing would follow forever).
bool value_contains(const Value& v, const void* container);

// Python's repr() of a float: the shortest text that reads back the same double ("0.1", "1e+16").
std::string python_float_repr(double f);

}  // namespace hearth::tmpl

// Entry points shared between the evaluator and the libraries of filters, tests, methods,
// operators and global functions.
#pragma once

#include <string>

#include "template/evaluator.hpp"
#include "template/value.hpp"

namespace hearth::tmpl {

// Binary operators other than and/or: + - * / // % ** ~ == != < > <= >= in, not in.
Value binary_operator(const std::string& op, const Value& a, const Value& b, Evaluator& ev);
bool value_in(const Value& needle, const Value& haystack);

// Methods of str, list and dict (`s.strip()`, `d.get(k)`): false if `object` has no such method.
bool has_method(const Value& object, const std::string& name);
Value call_method(Evaluator& ev, const Value& object, const std::string& name,
                  const CallArgs& args);

// Filters and tests by name (filters.cpp, tests.cpp); throw RenderError for unknown names.
Value run_filter(Evaluator& ev, const std::string& name, const Value& input, const CallArgs& args);
bool run_test(Evaluator& ev, const std::string& name, const Value& input, const CallArgs& args);

// Python's "fmt % args" (printf style) and "fmt".format(*args, **kwargs).
std::string percent_format(const std::string& format, const Value& args);
std::string brace_format(const std::string& format, const CallArgs& args);

// Python's json.dumps(value, ensure_ascii, indent, separators, sort_keys), as Hugging Face's
// tojson filter calls it. indent < 0: none.
struct JsonOptions {
  int indent = -1;
  std::string item_separator = ", ";
  std::string key_separator = ": ";
  bool sort_keys = false;
  bool ensure_ascii = false;
};
std::string to_json(const Value& value, const JsonOptions& options);

// The globals every render sees: range, namespace, dict, raise_exception, strftime_now.
void add_global_functions(Evaluator& ev, Scope& globals);

// Rejects an argument of the wrong type with a message naming what was expected.
[[noreturn]] void type_error(const std::string& what, const Value& got);

}  // namespace hearth::tmpl

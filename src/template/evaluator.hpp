// Renders a parsed Template: statements into text, expressions into Values, with Jinja2's
// scoping (a for-loop iteration and a macro call open a scope; if does not) and the limits that
// keep a hostile template from exhausting the machine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "template/ast.hpp"
#include "template/value.hpp"

namespace hearth::tmpl {

struct RenderLimits {
  int max_call_depth = 64;              // nested macro calls
  int max_nesting = 400;                // bodies being rendered at once, across macro calls
  uint64_t max_iterations = 1000000;    // loop iterations, all loops together
  size_t max_output_bytes = 64u << 20;  // text produced, macro results included
};

class Scope : public std::enable_shared_from_this<Scope> {
 public:
  explicit Scope(std::shared_ptr<Scope> parent) : parent_(std::move(parent)) {}
  const Value* lookup(const std::string& name) const;
  void set(const std::string& name, Value value) { vars_.set(name, std::move(value)); }

 private:
  std::shared_ptr<Scope> parent_;
  Dict vars_;
};
using ScopePtr = std::shared_ptr<Scope>;

class Evaluator {
 public:
  Evaluator(const RenderLimits& limits, int64_t now_unix_seconds)
      : limits_(limits), now_unix_seconds_(now_unix_seconds) {}

  // Renders the whole template; throws hearth::Error(kTemplateError) with the failing line.
  std::string render(const Template& tmpl, const ScopePtr& globals);

  // Used by filters, tests and methods.
  Value call(const Value& callee, const CallArgs& args);
  Value apply_filter(const std::string& name, const Value& input, const CallArgs& args);
  bool apply_test(const std::string& name, const Value& input, const CallArgs& args);
  Value get_attribute(const Value& object, const std::string& name);
  Value get_item(const Value& object, const Value& key);
  ValueList iterate(const Value& v);
  void count_iterations(uint64_t n);
  void check_size(size_t bytes) const;  // refuses a value larger than the output limit
  int64_t now_unix_seconds() const { return now_unix_seconds_; }

 private:
  enum class Flow { kNormal, kBreak, kContinue };

  Flow render_body(const Body& body, std::string& out, const ScopePtr& scope);
  Flow render_node(const Node& node, std::string& out, const ScopePtr& scope);
  Flow render_if(const Node& node, std::string& out, const ScopePtr& scope);
  void render_for(const Node& node, std::string& out, const ScopePtr& scope);
  void assign(const Target& target, const Value& value, const ScopePtr& scope);
  Value make_macro(const Node& node, const ScopePtr& scope);
  Value invoke_macro(const Node& node, const ScopePtr& defining, const CallArgs& args,
                     const Value& caller);
  void append(std::string& out, const std::string& text);
  void pin(const ScopePtr& scope);
  static constexpr size_t kMaxPinnedScopes = 10000;

  Value eval(const Expr& e, const ScopePtr& scope);
  Value eval_binary(const Expr& e, const ScopePtr& scope);
  Value eval_call(const Expr& e, const ScopePtr& scope);
  Value eval_slice(const Expr& e, const ScopePtr& scope);
  CallArgs eval_args(const Expr& e, size_t first, const ScopePtr& scope);

  RenderLimits limits_;
  int64_t now_unix_seconds_;
  int line_ = 0;  // the line of the node being evaluated, for error messages
  int call_depth_ = 0;
  int nesting_ = 0;
  // Scopes that macros and caller() blocks render in. Their closures point at them without
  // owning them (a macro stored in its own scope would otherwise keep both alive forever); the
  // evaluator keeps them until the render ends.
  std::vector<ScopePtr>
      pinned_scopes_;  // render_body frames on the stack: bounds stack use, whatever the nesting
  uint64_t iterations_ = 0;
  size_t produced_ = 0;
};

}  // namespace hearth::tmpl

// Statement rendering: text, output, if, for, set, macros, call and filter blocks.
#include "template/evaluator.hpp"

#include "template/render_error.hpp"

namespace hearth::tmpl {

const Value* Scope::lookup(const std::string& name) const {
  for (const Scope* s = this; s; s = s->parent_.get())
    if (const Value* v = s->vars_.find(name)) return v;
  return nullptr;
}

std::string Evaluator::render(const Template& tmpl, const ScopePtr& globals) {
  std::string out;
  try {
    auto scope = std::make_shared<Scope>(globals);
    if (render_body(tmpl.body, out, scope) != Flow::kNormal)
      render_fail("'break' or 'continue' outside a loop");
  } catch (const RenderError& e) {
    template_fail(line_, e.what());
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {  // e.g. std::out_of_range from a numeric conversion
    template_fail(line_, e.what());
  }
  return out;
}

void Evaluator::append(std::string& out, const std::string& text) {
  produced_ += text.size();
  if (produced_ > limits_.max_output_bytes)
    render_fail("output exceeds the limit of " + std::to_string(limits_.max_output_bytes) +
                " bytes");
  out += text;
}

void Evaluator::check_size(size_t bytes) const {
  if (bytes > limits_.max_output_bytes)
    render_fail("value exceeds the limit of " + std::to_string(limits_.max_output_bytes) +
                " bytes");
}

void Evaluator::count_iterations(uint64_t n) {
  if (n > limits_.max_iterations || iterations_ + n > limits_.max_iterations)
    render_fail("loops exceed the limit of " + std::to_string(limits_.max_iterations) +
                " iterations");
  iterations_ += n;
}

Evaluator::Flow Evaluator::render_body(const Body& body, std::string& out, const ScopePtr& scope) {
  if (nesting_ >= limits_.max_nesting)
    render_fail("template nests deeper than " + std::to_string(limits_.max_nesting) +
                " blocks while rendering");
  struct NestingRestore {
    int& depth;
    ~NestingRestore() { --depth; }
  } restore{++nesting_};
  for (const NodePtr& node : body) {
    const Flow flow = render_node(*node, out, scope);
    if (flow != Flow::kNormal) return flow;
  }
  return Flow::kNormal;
}

Evaluator::Flow Evaluator::render_node(const Node& node, std::string& out, const ScopePtr& scope) {
  line_ = node.line;
  switch (node.kind) {
    case Node::Kind::kText:
      append(out, node.text);
      break;
    case Node::Kind::kOutput:
      append(out, eval(*node.expr, scope).str());
      break;
    case Node::Kind::kIf:
      return render_if(node, out, scope);
    case Node::Kind::kFor:
      render_for(node, out, scope);
      break;
    case Node::Kind::kSet:
      assign(node.target, eval(*node.expr, scope), scope);
      break;
    case Node::Kind::kSetBlock: {
      std::string captured;
      if (render_body(node.body, captured, std::make_shared<Scope>(scope)) != Flow::kNormal)
        render_fail("'break' or 'continue' inside a set block");
      line_ = node.line;
      Value value(std::move(captured));
      if (node.expr) {
        // The filter chain's innermost input is the captured text.
        std::vector<const Expr*> chain;
        for (const Expr* f = node.expr.get(); f; f = f->args[0].get()) chain.push_back(f);
        for (auto it = chain.rbegin(); it != chain.rend(); ++it)
          value = apply_filter((*it)->name, value, eval_args(**it, 1, scope));
      }
      assign(node.target, value, scope);
      break;
    }
    case Node::Kind::kMacro:
      scope->set(node.text, make_macro(node, scope));
      break;
    case Node::Kind::kCallBlock: {
      // caller() renders the block body in a scope below the call site.
      const Node* block = &node;
      Evaluator* self = this;
      pin(scope);
      Scope* site = scope.get();
      Value caller = Value::callable(
          [self, block, site](const CallArgs& args) {
            return self->invoke_macro(*block, site->shared_from_this(), args, Value());
          },
          "caller");
      const Expr& call = *node.expr;
      Value callee = eval(*call.args[0], scope);
      CallArgs args = eval_args(call, 1, scope);
      args.keyword.emplace_back("caller", caller);
      append(out, this->call(callee, args).str());
      break;
    }
    case Node::Kind::kFilterBlock: {
      std::string captured;
      const Flow flow = render_body(node.body, captured, scope);
      line_ = node.line;
      Value value(std::move(captured));
      std::vector<const Expr*> chain;
      for (const Expr* f = node.expr.get(); f; f = f->args[0].get()) chain.push_back(f);
      for (auto it = chain.rbegin(); it != chain.rend(); ++it)
        value = apply_filter((*it)->name, value, eval_args(**it, 1, scope));
      append(out, value.str());
      return flow;
    }
    case Node::Kind::kBreak:
      return Flow::kBreak;
    case Node::Kind::kContinue:
      return Flow::kContinue;
    case Node::Kind::kScope: {
      // Values are computed in the enclosing scope, then bound in the new one.
      auto inner = std::make_shared<Scope>(scope);
      for (const MacroParam& p : node.params) inner->set(p.name, eval(*p.default_value, scope));
      return render_body(node.body, out, inner);
    }
  }
  return Flow::kNormal;
}

Evaluator::Flow Evaluator::render_if(const Node& node, std::string& out, const ScopePtr& scope) {
  for (size_t i = 0; i < node.conditions.size(); ++i) {
    line_ = node.conditions[i]->line;
    if (eval(*node.conditions[i], scope).truthy()) return render_body(node.bodies[i], out, scope);
  }
  return render_body(node.else_body, out, scope);
}

void Evaluator::render_for(const Node& node, std::string& out, const ScopePtr& scope) {
  ValueList items = iterate(eval(*node.expr, scope));
  if (node.condition) {
    // `for x in xs if cond`: the filter runs first, so loop.length counts what remains.
    ValueList kept;
    for (Value& item : items) {
      count_iterations(1);
      auto probe = std::make_shared<Scope>(scope);
      assign(node.target, item, probe);
      if (eval(*node.condition, probe).truthy()) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    render_body(node.else_body, out, scope);
    return;
  }
  const int64_t n = static_cast<int64_t>(items.size());
  // One loop object, updated in place each iteration (entries in kLoopKeys order).
  static const char* const kLoopKeys[] = {"index",    "index0", "revindex", "revindex0", "first",
                                          "last",     "length", "depth",    "depth0",    "previtem",
                                          "nextitem", "cycle",  "changed"};
  auto position = std::make_shared<int64_t>(0);
  Dict loop_dict;
  for (const char* key : kLoopKeys) loop_dict.set(key, Value());
  Value loop(std::move(loop_dict));
  auto* entries_ptr = &loop.dict().mutable_entries();
  (*entries_ptr)[6].second = Value(n);
  (*entries_ptr)[7].second = Value(1);
  (*entries_ptr)[8].second = Value(0);
  (*entries_ptr)[11].second = Value::callable(
      [position](const CallArgs& args) {
        if (args.positional.empty()) render_fail("no items for cycling given");
        return args.positional[static_cast<size_t>(*position) % args.positional.size()];
      },
      "cycle");
  // loop.changed(x): true when x differs from the previous call's. What is remembered is the
  // printed form, not the value, so the loop object never holds on to template data.
  auto last_seen = std::make_shared<std::pair<bool, std::string>>(false, "");
  (*entries_ptr)[12].second = Value::callable(
      [last_seen](const CallArgs& args) {
        const std::string now = Value::tuple(args.positional).repr();
        const bool changed = !last_seen->first || last_seen->second != now;
        *last_seen = {true, now};
        return Value(changed);
      },
      "changed");
  for (int64_t i = 0; i < n; ++i) {
    count_iterations(1);
    if (!loop.sole_owner()) {
      // The body kept the loop object (`set ns.l = loop`): give it its own from now on, so
      // updating ours neither changes what it saw nor links it into a cycle.
      Dict copy = loop.dict();
      loop = Value(std::move(copy));
      entries_ptr = &loop.dict().mutable_entries();
    }
    auto& entries = *entries_ptr;
    *position = i;
    entries[0].second = Value(i + 1);
    entries[1].second = Value(i);
    entries[2].second = Value(n - i);
    entries[3].second = Value(n - i - 1);
    entries[4].second = Value(i == 0);
    entries[5].second = Value(i == n - 1);
    entries[9].second =
        i > 0 ? items[static_cast<size_t>(i) - 1] : Value::undefined("there is no previous item");
    entries[10].second =
        i + 1 < n ? items[static_cast<size_t>(i) + 1] : Value::undefined("there is no next item");
    auto iteration = std::make_shared<Scope>(scope);
    iteration->set("loop", loop);
    assign(node.target, items[static_cast<size_t>(i)], iteration);
    if (render_body(node.body, out, iteration) == Flow::kBreak) break;
  }
}

void Evaluator::assign(const Target& target, const Value& value, const ScopePtr& scope) {
  if (!target.attribute.empty()) {
    const Value* object = scope->lookup(target.names[0]);
    if (!object || !object->is_namespace())
      render_fail("cannot assign attribute on non-namespace object '" + target.names[0] + "'");
    if (value_contains(value, &object->dict())) render_fail("assignment would create a cycle");
    object->dict().set(target.attribute, value);
    return;
  }
  if (target.names.size() == 1) {
    scope->set(target.names[0], value);
    return;
  }
  ValueList parts = iterate(value);
  if (parts.size() != target.names.size())
    render_fail("cannot unpack " + std::to_string(parts.size()) + " values into " +
                std::to_string(target.names.size()) + " names");
  for (size_t i = 0; i < parts.size(); ++i) scope->set(target.names[i], parts[i]);
}

void Evaluator::pin(const ScopePtr& scope) {
  if (!pinned_scopes_.empty() && pinned_scopes_.back() == scope) return;
  if (pinned_scopes_.size() >= kMaxPinnedScopes)
    render_fail("more than " + std::to_string(kMaxPinnedScopes) + " macro or call scopes");
  pinned_scopes_.push_back(scope);
}

Value Evaluator::make_macro(const Node& node, const ScopePtr& scope) {
  Evaluator* self = this;
  const Node* macro = &node;
  pin(scope);
  Scope* defining = scope.get();
  return Value::callable(
      [self, macro, defining](const CallArgs& args) {
        return self->invoke_macro(*macro, defining->shared_from_this(), args, Value());
      },
      node.text);
}

Value Evaluator::invoke_macro(const Node& node, const ScopePtr& defining, const CallArgs& args,
                              const Value& caller) {
  if (call_depth_ >= limits_.max_call_depth)
    render_fail("macro calls nest deeper than " + std::to_string(limits_.max_call_depth));
  const int saved_line = line_;
  auto scope = std::make_shared<Scope>(defining);
  // Keyword arguments the macro does not declare land in `kwargs`; extra positionals in `varargs`.
  Dict extra_kwargs;
  for (const auto& [name, value] : args.keyword) {
    bool declared = false;
    for (const MacroParam& p : node.params) declared = declared || p.name == name;
    if (!declared) {
      if (name == "caller") {
        scope->set("caller", value);
        continue;
      }
      extra_kwargs.set(name, value);
    }
  }
  ValueList varargs;
  for (size_t i = node.params.size(); i < args.positional.size(); ++i)
    varargs.push_back(args.positional[i]);
  for (size_t i = 0; i < node.params.size(); ++i) {
    const MacroParam& p = node.params[i];
    if (const Value* given = args.get(i, p.name)) {
      scope->set(p.name, *given);
    } else if (p.default_value) {
      scope->set(p.name, eval(*p.default_value, scope));
    } else {
      scope->set(p.name, Value::undefined("'" + p.name + "' is undefined"));
    }
  }
  scope->set("varargs", Value::tuple(std::move(varargs)));
  scope->set("kwargs", Value(std::move(extra_kwargs)));
  if (!caller.is_undefined()) scope->set("caller", caller);
  ++call_depth_;
  std::string out;
  struct DepthRestore {
    int& depth;
    ~DepthRestore() { --depth; }
  } restore{call_depth_};
  render_body(node.body, out, scope);
  line_ = saved_line;
  return Value(std::move(out));
}

}  // namespace hearth::tmpl

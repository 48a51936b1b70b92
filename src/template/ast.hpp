// The syntax tree of a parsed template: expressions (Expr) and statements (Node).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "template/value.hpp"

namespace hearth::tmpl {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind {
    kLiteral,      // literal
    kName,         // name
    kList,         // args: items
    kTuple,        // args: items (evaluates to a list)
    kDict,         // args: key, value, key, value...
    kGetAttr,      // args[0].name
    kGetItem,      // args[0][args[1]]
    kSlice,        // args[0][args[1]:args[2]:args[3]] (null parts omitted)
    kCall,         // args[0](args[1..], kwargs)
    kFilter,       // args[0] | name(args[1..], kwargs); args[0] null in {% filter %} blocks
    kTest,         // args[0] is [not] name(args[1..])
    kUnary,        // name: "not", "-", "+"; args[0]
    kBinary,       // name: operator or "and", "or", "in", "not in"; args[0], args[1]
    kConditional,  // args[1] if args[0] else args[2] (args[2] may be null)
  };
  Kind kind;
  int line = 0;
  Value literal;
  std::string name;
  std::vector<ExprPtr> args;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  bool negated = false;      // kTest: "is not"
  bool soft_filter = false;  // kFilter/kTest unknown at parse time inside an if: checked when run
};

struct Node;
using NodePtr = std::unique_ptr<Node>;
using Body = std::vector<NodePtr>;

// What `set` and `for` assign to: names (several for tuple unpacking) or one `ns.attr`.
struct Target {
  std::vector<std::string> names;
  std::string attribute;  // non-empty: names[0].attribute
};

struct MacroParam {
  std::string name;
  ExprPtr default_value;  // may be null
};

struct Node {
  enum class Kind {
    kText,       // text
    kOutput,     // {{ expr }}
    kIf,         // branches (conditions[i] -> bodies[i]); else_body
    kFor,        // target in expr [if condition]: body, else_body
    kSet,        // target = expr
    kSetBlock,   // {% set target %}body{% endset %}, filtered through expr (a filter chain) if any
    kMacro,      // name(params): body
    kCallBlock,  // {% call(params) expr %}body{% endcall %}
    kFilterBlock,  // {% filter expr %}body{% endfilter %}
    kBreak,
    kContinue,
    kScope,  // a body in a scope of its own: {% generation %}, {% with a = x %} (params)
  };
  Kind kind;
  int line = 0;
  std::string text;
  ExprPtr expr;
  ExprPtr condition;
  Target target;
  std::vector<ExprPtr> conditions;
  std::vector<Body> bodies;
  Body body;
  Body else_body;
  std::vector<MacroParam> params;
  bool recursive = false;
};

struct Template {
  Body body;
};

}  // namespace hearth::tmpl

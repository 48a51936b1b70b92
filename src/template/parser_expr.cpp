// Expression grammar, with Jinja2's precedence (lowest first):
//   a if c else b  |  or  |  and  |  not  |  == != < > <= >= in, not in  |  + -  |  ~  |
//   * / // %  |  **  |  unary - +  |  primary with .attr [item] (call), then | filters and is tests
#include <cstdlib>

#include "template/parser.hpp"
#include "template/parser_internal.hpp"

namespace hearth::tmpl {
namespace {

ExprPtr make(Expr::Kind kind, int line) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->line = line;
  return e;
}

ExprPtr binary(const std::string& op, ExprPtr left, ExprPtr right, int line) {
  auto e = make(Expr::Kind::kBinary, line);
  e->name = op;
  e->args.push_back(std::move(left));
  e->args.push_back(std::move(right));
  return e;
}

}  // namespace

ExprPtr Parser::parse_expression(bool allow_ternary) {
  DepthGuard guard(*this);
  ExprPtr expr = parse_or();
  while (allow_ternary && at_name("if")) {
    const int line = next().line;
    auto cond = make(Expr::Kind::kConditional, line);
    ExprPtr test = parse_or();
    ExprPtr otherwise;
    if (accept_name("else")) otherwise = parse_expression(true);
    cond->args.push_back(std::move(test));
    cond->args.push_back(std::move(expr));
    cond->args.push_back(std::move(otherwise));
    expr = std::move(cond);
  }
  return expr;
}

ExprPtr Parser::parse_tuple_or_expression() {
  const int line = peek().line;
  ExprPtr first = parse_expression(true);
  if (!at_op(",")) return first;
  auto tuple = make(Expr::Kind::kTuple, line);
  tuple->args.push_back(std::move(first));
  while (accept_op(",")) {
    if (peek().type == TokenType::kBlockEnd || peek().type == TokenType::kVarEnd) break;
    tuple->args.push_back(parse_expression(true));
  }
  return tuple;
}

ExprPtr Parser::parse_or() {
  ExprPtr left = parse_and();
  while (at_name("or")) {
    const int line = next().line;
    left = binary("or", std::move(left), parse_and(), line);
  }
  return left;
}

ExprPtr Parser::parse_and() {
  ExprPtr left = parse_not();
  while (at_name("and")) {
    const int line = next().line;
    left = binary("and", std::move(left), parse_not(), line);
  }
  return left;
}

ExprPtr Parser::parse_not() {
  if (at_name("not")) {
    DepthGuard guard(*this);
    const int line = next().line;
    auto e = make(Expr::Kind::kUnary, line);
    e->name = "not";
    e->args.push_back(parse_not());
    return e;
  }
  return parse_compare();
}

ExprPtr Parser::parse_compare() {
  ExprPtr left = parse_math1();
  while (true) {
    const Token& t = peek();
    const int line = t.line;
    if (t.type == TokenType::kOperator && (t.text == "==" || t.text == "!=" || t.text == "<" ||
                                           t.text == ">" || t.text == "<=" || t.text == ">=")) {
      const std::string op = next().text;
      left = binary(op, std::move(left), parse_math1(), line);
    } else if (at_name("in")) {
      next();
      left = binary("in", std::move(left), parse_math1(), line);
    } else if (at_name("not") && peek(1).type == TokenType::kName && peek(1).text == "in") {
      next();
      next();
      left = binary("not in", std::move(left), parse_math1(), line);
    } else {
      return left;
    }
  }
}

ExprPtr Parser::parse_math1() {
  ExprPtr left = parse_concat();
  while (at_op("+") || at_op("-")) {
    const Token& t = next();
    const std::string op = t.text;
    left = binary(op, std::move(left), parse_concat(), t.line);
  }
  return left;
}

ExprPtr Parser::parse_concat() {
  ExprPtr left = parse_math2();
  while (at_op("~")) {
    const int line = next().line;
    left = binary("~", std::move(left), parse_math2(), line);
  }
  return left;
}

ExprPtr Parser::parse_math2() {
  ExprPtr left = parse_pow();
  while (at_op("*") || at_op("/") || at_op("//") || at_op("%")) {
    const Token& t = next();
    const std::string op = t.text;
    left = binary(op, std::move(left), parse_pow(), t.line);
  }
  return left;
}

ExprPtr Parser::parse_pow() {
  ExprPtr left = parse_unary(true);
  while (at_op("**")) {
    const int line = next().line;
    left = binary("**", std::move(left), parse_unary(true), line);
  }
  return left;
}

ExprPtr Parser::parse_unary(bool with_filters) {
  DepthGuard guard(*this);
  ExprPtr node;
  if (at_op("-") || at_op("+")) {
    const Token& t = next();
    node = make(Expr::Kind::kUnary, t.line);
    node->name = t.text;
    node->args.push_back(parse_unary(false));
  } else {
    node = parse_primary();
  }
  node = parse_postfix(std::move(node));
  if (with_filters) node = parse_filters_and_tests(std::move(node));
  return node;
}

ExprPtr Parser::parse_primary() {
  const Token& t = peek();
  const int line = t.line;
  switch (t.type) {
    case TokenType::kName: {
      next();
      auto e = make(Expr::Kind::kLiteral, line);
      if (t.text == "true" || t.text == "True") {
        e->literal = Value(true);
      } else if (t.text == "false" || t.text == "False") {
        e->literal = Value(false);
      } else if (t.text == "none" || t.text == "None") {
        e->literal = Value::none();
      } else {
        e->kind = Expr::Kind::kName;
        e->name = t.text;
      }
      return e;
    }
    case TokenType::kString: {
      std::string value;
      while (peek().type == TokenType::kString) value += next().text;  // "a" "b" concatenates
      auto e = make(Expr::Kind::kLiteral, line);
      e->literal = Value(std::move(value));
      return e;
    }
    case TokenType::kInt: {
      next();
      auto e = make(Expr::Kind::kLiteral, line);
      errno = 0;
      const long long v = std::strtoll(t.text.c_str(), nullptr, 10);
      if (errno == ERANGE) fail_here("integer literal out of range");
      e->literal = Value(static_cast<int64_t>(v));
      return e;
    }
    case TokenType::kFloat: {
      next();
      auto e = make(Expr::Kind::kLiteral, line);
      e->literal = Value(std::strtod(t.text.c_str(), nullptr));
      return e;
    }
    case TokenType::kOperator:
      break;
    default:
      fail_here("unexpected " + describe(t));
  }
  if (accept_op("(")) {
    if (accept_op(")")) return make(Expr::Kind::kTuple, line);
    ExprPtr first = parse_expression(true);
    if (accept_op(")")) return first;
    auto tuple = make(Expr::Kind::kTuple, line);
    tuple->args.push_back(std::move(first));
    while (accept_op(",")) {
      if (at_op(")")) break;
      tuple->args.push_back(parse_expression(true));
    }
    expect_op(")");
    return tuple;
  }
  if (accept_op("[")) {
    auto list = make(Expr::Kind::kList, line);
    while (!at_op("]")) {
      list->args.push_back(parse_expression(true));
      if (!accept_op(",")) break;
    }
    expect_op("]");
    return list;
  }
  if (accept_op("{")) {
    auto dict = make(Expr::Kind::kDict, line);
    while (!at_op("}")) {
      dict->args.push_back(parse_expression(true));
      expect_op(":");
      dict->args.push_back(parse_expression(true));
      if (!accept_op(",")) break;
    }
    expect_op("}");
    return dict;
  }
  fail_here("unexpected " + describe(t));
}

ExprPtr Parser::parse_postfix(ExprPtr node) {
  while (true) {
    const int line = peek().line;
    if (accept_op(".")) {
      const Token& t = next();
      if (t.type != TokenType::kName && t.type != TokenType::kInt)
        fail_here("expected an attribute name after '.'");
      if (t.type == TokenType::kInt) {
        auto item = make(Expr::Kind::kGetItem, line);
        auto index = make(Expr::Kind::kLiteral, line);
        index->literal = Value(static_cast<int64_t>(std::strtoll(t.text.c_str(), nullptr, 10)));
        item->args.push_back(std::move(node));
        item->args.push_back(std::move(index));
        node = std::move(item);
      } else {
        auto attr = make(Expr::Kind::kGetAttr, line);
        attr->name = t.text;
        attr->args.push_back(std::move(node));
        node = std::move(attr);
      }
    } else if (accept_op("[")) {
      DepthGuard guard(*this);
      // An index, or a slice start:stop:step with any part left out.
      ExprPtr parts[3];
      int colons = 0;
      while (true) {
        if (at_op(":")) {
          next();
          if (++colons > 2) fail_here("too many ':' in a slice");
          continue;
        }
        if (at_op("]")) break;
        if (parts[colons]) fail_here("expected ']'");
        parts[colons] = parse_expression(true);
        if (colons == 0 && at_op(",")) fail_here("tuple subscripts are not supported");
      }
      expect_op("]");
      if (colons == 0) {
        if (!parts[0]) fail_here("empty subscript");
        auto item = make(Expr::Kind::kGetItem, line);
        item->args.push_back(std::move(node));
        item->args.push_back(std::move(parts[0]));
        node = std::move(item);
      } else {
        auto slice = make(Expr::Kind::kSlice, line);
        slice->args.push_back(std::move(node));
        for (auto& p : parts) slice->args.push_back(std::move(p));
        node = std::move(slice);
      }
    } else if (at_op("(")) {
      auto call = make(Expr::Kind::kCall, line);
      call->args.push_back(std::move(node));
      parse_call_args(*call);
      node = std::move(call);
    } else {
      return node;
    }
  }
}

void Parser::parse_call_args(Expr& call) {
  DepthGuard guard(*this);
  expect_op("(");
  while (!at_op(")")) {
    if (peek().type == TokenType::kName && peek(1).type == TokenType::kOperator &&
        peek(1).text == "=") {
      std::string key = next().text;
      next();
      call.kwargs.emplace_back(std::move(key), parse_expression(true));
    } else {
      if (!call.kwargs.empty()) fail_here("positional argument after keyword argument");
      call.args.push_back(parse_expression(true));
    }
    if (!accept_op(",")) break;
  }
  expect_op(")");
}

ExprPtr Parser::parse_filters_and_tests(ExprPtr node) {
  while (true) {
    if (at_op("|")) {
      node = parse_filter(std::move(node));
    } else if (at_name("is")) {
      node = parse_test(std::move(node));
    } else if (at_op("(")) {
      auto call = make(Expr::Kind::kCall, peek().line);
      call->args.push_back(std::move(node));
      parse_call_args(*call);
      node = std::move(call);
    } else {
      return node;
    }
  }
}

ExprPtr Parser::parse_filter(ExprPtr node) {
  const int line = peek().line;
  expect_op("|");
  auto filter = make(Expr::Kind::kFilter, line);
  filter->name = expect_name();
  if (!is_known_filter(filter->name)) {
    if (if_depth_ == 0) fail_here("no filter named '" + filter->name + "'");
    filter->soft_filter = true;
  }
  filter->args.push_back(std::move(node));
  if (at_op("(")) parse_call_args(*filter);
  return filter;
}

ExprPtr Parser::parse_test(ExprPtr node) {
  const int line = next().line;  // "is"
  auto test = make(Expr::Kind::kTest, line);
  test->negated = accept_name("not");
  test->name = expect_name();
  if (!is_known_test(test->name)) {
    if (if_depth_ == 0) fail_here("no test named '" + test->name + "'");
    test->soft_filter = true;
  }
  test->args.push_back(std::move(node));
  if (at_op("(")) {
    parse_call_args(*test);
  } else {
    // One argument without parentheses: `x is divisibleby 3`, `x is sameas false`.
    const Token& t = peek();
    const bool starts_primary =
        (t.type == TokenType::kName && t.text != "else" && t.text != "or" && t.text != "and" &&
         t.text != "if" && t.text != "is" && t.text != "not" && t.text != "in") ||
        t.type == TokenType::kString || t.type == TokenType::kInt || t.type == TokenType::kFloat ||
        (t.type == TokenType::kOperator && (t.text == "[" || t.text == "{"));
    if (starts_primary) test->args.push_back(parse_postfix(parse_primary()));
  }
  return test;
}

}  // namespace hearth::tmpl

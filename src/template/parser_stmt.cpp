// Statement grammar: text, {{ expr }}, and the tags chat templates use (if, for, set, macro, call,
// filter, break/continue, generation).
#include <algorithm>

#include "template/parser.hpp"
#include "template/parser_internal.hpp"

namespace hearth::tmpl {
namespace {

NodePtr make_node(Node::Kind kind, int line) {
  auto n = std::make_unique<Node>();
  n->kind = kind;
  n->line = line;
  return n;
}

}  // namespace

Parser::DepthGuard::DepthGuard(Parser& p) : parser(p) {
  if (++parser.depth_ > kMaxParseDepth) {
    --parser.depth_;
    parser.fail_here("template nests deeper than " + std::to_string(kMaxParseDepth) + " levels");
  }
}

std::string Parser::describe(const Token& token) {
  switch (token.type) {
    case TokenType::kEnd:
      return "end of template";
    case TokenType::kVarEnd:
      return "'}}'";
    case TokenType::kBlockEnd:
      return "'%}'";
    case TokenType::kVarBegin:
      return "'{{'";
    case TokenType::kBlockBegin:
      return "'{%'";
    case TokenType::kText:
      return "text";
    case TokenType::kString:
      return "string literal";
    default:
      return "'" + token.text + "'";
  }
}

void Parser::fail_here(const std::string& message) const {
  template_fail(peek().line, message);
}

void Parser::expect_op(const char* op) {
  if (!accept_op(op)) fail_here(std::string("expected '") + op + "', got " + describe(peek()));
}

std::string Parser::expect_name() {
  if (peek().type != TokenType::kName) fail_here("expected a name, got " + describe(peek()));
  return next().text;
}

void Parser::expect_block_end() {
  if (peek().type != TokenType::kBlockEnd) fail_here("expected '%}', got " + describe(peek()));
  next();
}

Template Parser::parse() {
  Template t;
  t.body = parse_body({}, nullptr);
  return t;
}

Body Parser::parse_body(const std::vector<std::string>& terminators, std::string* found) {
  DepthGuard guard(*this);
  Body body;
  while (true) {
    const Token& t = peek();
    switch (t.type) {
      case TokenType::kEnd:
        if (!terminators.empty())
          fail_here("unexpected end of template, expected '" + terminators.back() + "'");
        return body;
      case TokenType::kText: {
        auto n = make_node(Node::Kind::kText, t.line);
        n->text = next().text;
        body.push_back(std::move(n));
        break;
      }
      case TokenType::kVarBegin: {
        auto n = make_node(Node::Kind::kOutput, next().line);
        n->expr = parse_tuple_or_expression();
        if (peek().type != TokenType::kVarEnd) fail_here("expected '}}', got " + describe(peek()));
        next();
        body.push_back(std::move(n));
        break;
      }
      case TokenType::kBlockBegin: {
        const Token& name = peek(1);
        if (name.type == TokenType::kName &&
            std::find(terminators.begin(), terminators.end(), name.text) != terminators.end()) {
          next();
          *found = next().text;
          return body;
        }
        body.push_back(parse_statement());
        break;
      }
      default:
        fail_here("unexpected " + describe(t));
    }
  }
}

NodePtr Parser::parse_statement() {
  next();  // {%
  const Token& t = peek();
  if (t.type != TokenType::kName) fail_here("expected a tag name, got " + describe(t));
  const int line = t.line;
  const std::string tag = next().text;
  if (tag == "if") return parse_if(line);
  if (tag == "for") return parse_for(line);
  if (tag == "set") return parse_set(line);
  if (tag == "macro") return parse_macro(line);
  if (tag == "call") return parse_call_block(line);
  if (tag == "filter") return parse_filter_block(line);
  if (tag == "break" || tag == "continue") {
    expect_block_end();
    return make_node(tag == "break" ? Node::Kind::kBreak : Node::Kind::kContinue, line);
  }
  if (tag == "generation") {
    // Hugging Face's AssistantTracker tag: renders its body unchanged, in a scope of its own.
    expect_block_end();
    auto n = make_node(Node::Kind::kScope, line);
    std::string found;
    n->body = parse_body({"endgeneration"}, &found);
    expect_block_end();
    return n;
  }
  if (tag == "with") {
    // {% with a = 1, b = x %}: names set for the body only.
    auto n = make_node(Node::Kind::kScope, line);
    while (peek().type != TokenType::kBlockEnd) {
      MacroParam assignment;
      assignment.name = expect_name();
      expect_op("=");
      assignment.default_value = parse_expression(true);
      n->params.push_back(std::move(assignment));
      if (!accept_op(",")) break;
    }
    expect_block_end();
    std::string found;
    n->body = parse_body({"endwith"}, &found);
    expect_block_end();
    return n;
  }
  template_fail(line, "unknown tag '" + tag + "'");
}

NodePtr Parser::parse_if(int line) {
  auto n = make_node(Node::Kind::kIf, line);
  n->conditions.push_back(parse_tuple_or_expression());
  expect_block_end();
  std::string found;
  ++if_depth_;
  while (true) {
    n->bodies.push_back(parse_body({"elif", "else", "endif"}, &found));
    if (found == "elif") {
      n->conditions.push_back(parse_tuple_or_expression());
      expect_block_end();
      continue;
    }
    expect_block_end();
    if (found == "else") {
      n->else_body = parse_body({"endif"}, &found);
      expect_block_end();
    }
    break;
  }
  --if_depth_;
  return n;
}

Target Parser::parse_target() {
  Target target;
  const bool parenthesized = accept_op("(");
  target.names.push_back(expect_name());
  if (!parenthesized && accept_op(".")) {
    target.attribute = expect_name();
    return target;
  }
  while (accept_op(",")) {
    if (peek().type != TokenType::kName) break;
    target.names.push_back(expect_name());
  }
  if (parenthesized) expect_op(")");
  return target;
}

NodePtr Parser::parse_for(int line) {
  auto n = make_node(Node::Kind::kFor, line);
  n->target = parse_target();
  if (!n->target.attribute.empty()) fail_here("cannot loop into an attribute");
  if (!accept_name("in")) fail_here("expected 'in', got " + describe(peek()));
  {
    // The iterable: a tuple or expression without `if` (that introduces the loop filter).
    const int iter_line = peek().line;
    ExprPtr first = parse_expression(false);
    if (at_op(",")) {
      auto tuple = std::make_unique<Expr>();
      tuple->kind = Expr::Kind::kTuple;
      tuple->line = iter_line;
      tuple->args.push_back(std::move(first));
      while (accept_op(",")) tuple->args.push_back(parse_expression(false));
      first = std::move(tuple);
    }
    n->expr = std::move(first);
  }
  if (accept_name("if")) n->condition = parse_expression(true);
  if (accept_name("recursive")) n->recursive = true;
  expect_block_end();
  std::string found;
  n->body = parse_body({"else", "endfor"}, &found);
  expect_block_end();
  if (found == "else") {
    n->else_body = parse_body({"endfor"}, &found);
    expect_block_end();
  }
  return n;
}

NodePtr Parser::parse_set(int line) {
  Target target = parse_target();
  if (accept_op("=")) {
    auto n = make_node(Node::Kind::kSet, line);
    n->target = std::move(target);
    n->expr = parse_tuple_or_expression();
    expect_block_end();
    return n;
  }
  auto n = make_node(Node::Kind::kSetBlock, line);
  if (!target.attribute.empty() || target.names.size() != 1)
    fail_here("a block set assigns one name");
  n->target = std::move(target);
  if (at_op("|")) {
    // {% set x | upper %}: a filter chain applied to the captured body (args[0] left empty).
    ExprPtr chain;
    while (at_op("|")) chain = parse_filter(std::move(chain));
    n->expr = std::move(chain);
  }
  expect_block_end();
  std::string found;
  n->body = parse_body({"endset"}, &found);
  expect_block_end();
  return n;
}

std::vector<MacroParam> Parser::parse_params() {
  std::vector<MacroParam> params;
  expect_op("(");
  while (!at_op(")")) {
    MacroParam p;
    p.name = expect_name();
    if (accept_op("=")) {
      p.default_value = parse_expression(true);
    } else if (!params.empty() && params.back().default_value) {
      fail_here("parameter without a default follows one with a default");
    }
    params.push_back(std::move(p));
    if (!accept_op(",")) break;
  }
  expect_op(")");
  return params;
}

NodePtr Parser::parse_macro(int line) {
  auto n = make_node(Node::Kind::kMacro, line);
  n->text = expect_name();
  n->params = parse_params();
  expect_block_end();
  std::string found;
  n->body = parse_body({"endmacro"}, &found);
  if (peek().type == TokenType::kName) next();  // {% endmacro name %}
  expect_block_end();
  return n;
}

NodePtr Parser::parse_call_block(int line) {
  auto n = make_node(Node::Kind::kCallBlock, line);
  if (at_op("(")) n->params = parse_params();
  n->expr = parse_expression(true);
  if (n->expr->kind != Expr::Kind::kCall) fail_here("expected a macro call after 'call'");
  expect_block_end();
  std::string found;
  n->body = parse_body({"endcall"}, &found);
  expect_block_end();
  return n;
}

NodePtr Parser::parse_filter_block(int line) {
  auto n = make_node(Node::Kind::kFilterBlock, line);
  ExprPtr chain;
  do {
    auto filter = std::make_unique<Expr>();
    filter->kind = Expr::Kind::kFilter;
    filter->line = peek().line;
    filter->name = expect_name();
    if (!is_known_filter(filter->name)) fail_here("no filter named '" + filter->name + "'");
    filter->args.push_back(std::move(chain));
    if (at_op("(")) parse_call_args(*filter);
    chain = std::move(filter);
  } while (accept_op("|"));
  n->expr = std::move(chain);
  expect_block_end();
  std::string found;
  n->body = parse_body({"endfilter"}, &found);
  expect_block_end();
  return n;
}

Template parse_template(const std::vector<Token>& tokens) {
  return Parser(tokens).parse();
}

}  // namespace hearth::tmpl

// The parser's shared state: a token cursor with helpers, used by parser_expr.cpp (expressions)
// and parser_stmt.cpp (statements).
#pragma once

#include <string>
#include <vector>

#include "template/ast.hpp"
#include "template/lexer.hpp"
#include "template/render_error.hpp"

namespace hearth::tmpl {

class Parser {
 public:
  explicit Parser(const std::vector<Token>& tokens) : tokens_(tokens) {}

  Template parse();

  // Expressions (parser_expr.cpp).
  ExprPtr parse_expression(bool allow_ternary = true);
  ExprPtr parse_or();
  ExprPtr parse_tuple_or_expression();  // a, b (no parentheses) where a tuple may appear

 private:
  // Statements (parser_stmt.cpp).
  Body parse_body(const std::vector<std::string>& terminators, std::string* found);
  NodePtr parse_statement();
  NodePtr parse_if(int line);
  NodePtr parse_for(int line);
  NodePtr parse_set(int line);
  NodePtr parse_macro(int line);
  NodePtr parse_call_block(int line);
  NodePtr parse_filter_block(int line);
  Target parse_target();
  std::vector<MacroParam> parse_params();

  // Expression levels.
  ExprPtr parse_and();
  ExprPtr parse_not();
  ExprPtr parse_compare();
  ExprPtr parse_math1();
  ExprPtr parse_concat();
  ExprPtr parse_math2();
  ExprPtr parse_pow();
  ExprPtr parse_unary(bool with_filters);
  ExprPtr parse_primary();
  ExprPtr parse_postfix(ExprPtr node);
  ExprPtr parse_filters_and_tests(ExprPtr node);
  ExprPtr parse_filter(ExprPtr node);
  ExprPtr parse_test(ExprPtr node);
  void parse_call_args(Expr& call);

 public:
  const Token& peek(size_t ahead = 0) const {
    const size_t i = pos_ + ahead;
    return i < tokens_.size() ? tokens_[i] : tokens_.back();
  }
  const Token& next() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }
  bool at_op(const char* op) const {
    return peek().type == TokenType::kOperator && peek().text == op;
  }
  bool at_name(const char* name) const {
    return peek().type == TokenType::kName && peek().text == name;
  }
  bool accept_op(const char* op) {
    if (!at_op(op)) return false;
    ++pos_;
    return true;
  }
  bool accept_name(const char* name) {
    if (!at_name(name)) return false;
    ++pos_;
    return true;
  }
  void expect_op(const char* op);
  std::string expect_name();
  void expect_block_end();
  [[noreturn]] void fail_here(const std::string& message) const;
  static std::string describe(const Token& token);

  // Depth guard for recursive descent.
  struct DepthGuard {
    explicit DepthGuard(Parser& p);
    ~DepthGuard() { --parser.depth_; }
    Parser& parser;
  };

 private:
  const std::vector<Token>& tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
  int if_depth_ = 0;  // inside an if body: unknown filters/tests are checked at run time
};

}  // namespace hearth::tmpl

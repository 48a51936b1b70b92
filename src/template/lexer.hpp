// Splits a Jinja template into tokens: literal text (whitespace control already applied, with
// trim_blocks and lstrip_blocks as Hugging Face renders chat templates) and the tokens of the
// expressions and statements inside {{ }} and {% %}. Comments {# #} are dropped here.
#pragma once

#include <string>
#include <vector>

namespace hearth::tmpl {

enum class TokenType {
  kText,
  kVarBegin,    // {{
  kVarEnd,      // }}
  kBlockBegin,  // {%
  kBlockEnd,    // %}
  kName,
  kString,  // text holds the decoded value
  kInt,
  kFloat,
  kOperator,  // text holds the operator: + - * / // % ** ~ == != < > <= >= = ( ) [ ] { } , . : |
  kEnd,
};

struct Token {
  TokenType type;
  std::string text;
  int line;
};

struct LexOptions {
  bool trim_blocks = true;    // drop the first newline after a block tag
  bool lstrip_blocks = true;  // drop spaces and tabs before a block tag that starts a line
};

// Throws hearth::Error(kTemplateError) on an unterminated tag, string or comment.
std::vector<Token> lex_template(const std::string& source, const LexOptions& options);

}  // namespace hearth::tmpl

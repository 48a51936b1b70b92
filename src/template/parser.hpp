// Parses lexed tokens into a Template. Throws hearth::Error(kTemplateError, "... line N ...") on
// syntax errors, unknown tags, and filters or tests that do not exist (outside if blocks, where
// Jinja2 too defers the check to when the branch runs).
#pragma once

#include <string>
#include <vector>

#include "template/ast.hpp"
#include "template/lexer.hpp"

namespace hearth::tmpl {

// Nesting deeper than this (blocks or parentheses) is refused rather than recursed into.
constexpr int kMaxParseDepth = 128;

Template parse_template(const std::vector<Token>& tokens);

// Registries the parser checks names against (filters.cpp, tests.cpp).
bool is_known_filter(const std::string& name);
bool is_known_test(const std::string& name);

}  // namespace hearth::tmpl

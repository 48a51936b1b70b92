#include "template/lexer.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "template/render_error.hpp"

namespace hearth::tmpl {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Appends the UTF-8 encoding of `cp` (escapes like \u00e9 in string literals).
void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Lexer {
 public:
  Lexer(const std::string& source, const LexOptions& options) : src_(source), options_(options) {}

  std::vector<Token> run() {
    // How the text after the previous tag starts: 0 keep, 1 drop one newline, 2 drop all space.
    int strip_next = 0;
    while (pos_ < src_.size()) {
      const size_t open = find_tag_open(pos_);
      std::string text = src_.substr(pos_, open - pos_);
      const size_t text_start = pos_;
      // lstrip_blocks looks at the raw text, before the previous tag's trimming.
      const size_t line_tail = whitespace_line_tail(text, text_start);
      if (strip_next == 2) {
        size_t i = 0;
        while (i < text.size() && is_space(text[i])) ++i;
        text.erase(0, i);
      } else if (strip_next == 1) {
        if (text.rfind("\r\n", 0) == 0) {
          text.erase(0, 2);
        } else if (!text.empty() && text[0] == '\n') {
          text.erase(0, 1);
        }
      }
      strip_next = 0;
      if (open == src_.size()) {
        emit_text(text, text_start);
        break;
      }
      const char kind = src_[open + 1];  // '{', '%' or '#'
      const char modifier = open + 2 < src_.size() ? src_[open + 2] : '\0';
      if (modifier == '-') {
        while (!text.empty() && is_space(text.back())) text.pop_back();
      } else if (kind != '{' && modifier != '+' && options_.lstrip_blocks) {
        text.erase(text.size() - std::min(line_tail, text.size()));
      }
      emit_text(text, text_start);
      line_ = line_at(open);
      pos_ = open + 2 + (modifier == '-' || modifier == '+' ? 1 : 0);
      if (kind == '#') {
        strip_next = lex_comment();
      } else if (kind == '{') {
        push(TokenType::kVarBegin, "{{");
        strip_next = lex_inside(false);
      } else {
        push(TokenType::kBlockBegin, "{%");
        strip_next = lex_inside(true);
        maybe_raw_block(strip_next);
      }
    }
    push(TokenType::kEnd, "");
    return std::move(tokens_);
  }

 private:
  size_t find_tag_open(size_t from) const {
    for (size_t i = from; i + 1 < src_.size(); ++i) {
      if (src_[i] == '{' && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#'))
        return i;
    }
    return src_.size();
  }

  // lstrip_blocks: how many trailing spaces and tabs of `text` lie between the start of a line
  // and the tag that follows (0 when something else precedes the tag on its line).
  size_t whitespace_line_tail(const std::string& text, size_t text_start) const {
    const size_t newline = text.rfind('\n');
    const size_t tail = newline == std::string::npos ? 0 : newline + 1;
    if (newline == std::string::npos && text_start != 0 && src_[text_start - 1] != '\n') return 0;
    for (size_t i = tail; i < text.size(); ++i)
      if (text[i] != ' ' && text[i] != '\t') return 0;
    return text.size() - tail;
  }

  int line_at(size_t offset) {
    while (line_pos_ < offset) {
      if (src_[line_pos_] == '\n') ++line_count_;
      ++line_pos_;
    }
    return line_count_;
  }

  void emit_text(const std::string& text, size_t start) {
    if (!text.empty()) tokens_.push_back({TokenType::kText, text, line_at(start)});
  }

  void push(TokenType type, std::string text) { tokens_.push_back({type, std::move(text), line_}); }

  // Returns the strip mode for the text that follows (see run()).
  int closing_mode(bool minus, bool plus, bool block_like) const {
    if (minus) return 2;
    if (block_like && !plus && options_.trim_blocks) return 1;
    return 0;
  }

  int lex_comment() {
    const size_t end = src_.find("#}", pos_);
    if (end == std::string::npos) template_fail(line_, "unterminated comment");
    const bool minus = end > pos_ && src_[end - 1] == '-';
    const bool plus = end > pos_ && src_[end - 1] == '+';
    pos_ = end + 2;
    return closing_mode(minus, plus, true);
  }

  // Lexes the tokens of one {{ }} or {% %}; returns the strip mode its closer asks for.
  int lex_inside(bool block) {
    const char closer = block ? '%' : '}';
    int depth = 0;  // open brackets: a '}}' inside a dict literal does not close the tag
    while (true) {
      while (pos_ < src_.size() && is_space(src_[pos_])) {
        if (src_[pos_] == '\n') ++line_;
        ++pos_;
      }
      if (pos_ >= src_.size())
        template_fail(line_, block ? "unterminated '{%'" : "unterminated '{{'");
      const char c = src_[pos_];
      if (depth == 0) {
        const bool minus = c == '-' || c == '+';
        const size_t at = pos_ + (minus ? 1 : 0);
        if (at + 1 < src_.size() && src_[at] == closer && src_[at + 1] == '}') {
          if (c == '+' && !block) template_fail(line_, "unexpected '+'");
          pos_ = at + 2;
          push(block ? TokenType::kBlockEnd : TokenType::kVarEnd, block ? "%}" : "}}");
          return closing_mode(c == '-', c == '+', block);
        }
      }
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t end = pos_;
        while (end < src_.size() &&
               (std::isalnum(static_cast<unsigned char>(src_[end])) || src_[end] == '_'))
          ++end;
        push(TokenType::kName, src_.substr(pos_, end - pos_));
        pos_ = end;
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        lex_number();
      } else if (c == '\'' || c == '"') {
        lex_string(c);
      } else {
        lex_operator(depth);
      }
    }
  }

  void lex_number() {
    size_t end = pos_;
    bool is_float = false;
    while (end < src_.size() &&
           (std::isdigit(static_cast<unsigned char>(src_[end])) || src_[end] == '_'))
      ++end;
    if (end + 1 < src_.size() && src_[end] == '.' &&
        std::isdigit(static_cast<unsigned char>(src_[end + 1]))) {
      is_float = true;
      ++end;
      while (end < src_.size() && std::isdigit(static_cast<unsigned char>(src_[end]))) ++end;
    }
    if (end < src_.size() && (src_[end] == 'e' || src_[end] == 'E')) {
      size_t e = end + 1;
      if (e < src_.size() && (src_[e] == '+' || src_[e] == '-')) ++e;
      if (e < src_.size() && std::isdigit(static_cast<unsigned char>(src_[e]))) {
        is_float = true;
        end = e;
        while (end < src_.size() && std::isdigit(static_cast<unsigned char>(src_[end]))) ++end;
      }
    }
    std::string text;
    for (size_t i = pos_; i < end; ++i)
      if (src_[i] != '_') text += src_[i];
    push(is_float ? TokenType::kFloat : TokenType::kInt, text);
    pos_ = end;
  }

  // Python-style escapes, as Jinja2 decodes string literals.
  void lex_string(char quote) {
    std::string value;
    size_t i = pos_ + 1;
    const int start_line = line_;
    while (true) {
      if (i >= src_.size()) template_fail(start_line, "unterminated string literal");
      const char c = src_[i];
      if (c == quote) break;
      if (c == '\n') ++line_;
      if (c != '\\') {
        value += c;
        ++i;
        continue;
      }
      if (i + 1 >= src_.size()) template_fail(start_line, "unterminated string literal");
      const char e = src_[i + 1];
      i += 2;
      switch (e) {
        case 'n':
          value += '\n';
          break;
        case 't':
          value += '\t';
          break;
        case 'r':
          value += '\r';
          break;
        case 'b':
          value += '\b';
          break;
        case 'f':
          value += '\f';
          break;
        case 'v':
          value += '\v';
          break;
        case 'a':
          value += '\a';
          break;
        case '0':
          value += '\0';
          break;
        case '\\':
          value += '\\';
          break;
        case '\'':
          value += '\'';
          break;
        case '"':
          value += '"';
          break;
        case '\n':
          ++line_;
          break;  // a backslash-newline continues the literal
        case 'x':
        case 'u':
        case 'U': {
          const size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (i + n > src_.size()) template_fail(start_line, "truncated escape in string literal");
          uint32_t cp = 0;
          for (size_t k = 0; k < n; ++k) {
            const char h = src_[i + k];
            if (!std::isxdigit(static_cast<unsigned char>(h)))
              template_fail(start_line, "invalid escape in string literal");
            cp = cp * 16 + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(h))
                                                     ? h - '0'
                                                     : std::tolower(h) - 'a' + 10);
          }
          if (cp > 0x10FFFF) template_fail(start_line, "invalid escape in string literal");
          append_utf8(value, cp);
          i += n;
          break;
        }
        default:  // unknown escapes stay as written, as in Python
          value += '\\';
          value += e;
      }
    }
    tokens_.push_back({TokenType::kString, value, start_line});
    pos_ = i + 1;
  }

  void lex_operator(int& depth) {
    static const char* const kTwo[] = {"//", "**", "==", "!=", "<=", ">="};
    for (const char* op : kTwo) {
      if (src_.compare(pos_, 2, op) == 0) {
        push(TokenType::kOperator, op);
        pos_ += 2;
        return;
      }
    }
    const char c = src_[pos_];
    static const std::string kOne = "+-*/%~<>=()[]{},.:|";
    if (kOne.find(c) == std::string::npos)
      template_fail(line_, std::string("unexpected character '") + c + "'");
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') {
      if (depth == 0) template_fail(line_, std::string("unexpected '") + c + "'");
      --depth;
    }
    push(TokenType::kOperator, std::string(1, c));
    ++pos_;
  }

  // {% raw %}...{% endraw %}: the body is text, untouched.
  void maybe_raw_block(int& strip_next) {
    const size_t n = tokens_.size();
    if (n < 3 || tokens_[n - 2].type != TokenType::kName || tokens_[n - 2].text != "raw" ||
        tokens_[n - 3].type != TokenType::kBlockBegin)
      return;
    tokens_.resize(n - 3);
    size_t search = pos_;
    while (true) {
      const size_t open = src_.find("{%", search);
      if (open == std::string::npos) template_fail(line_, "unterminated raw block");
      size_t i = open + 2;
      const bool minus = i < src_.size() && src_[i] == '-';
      if (i < src_.size() && (src_[i] == '-' || src_[i] == '+')) ++i;
      while (i < src_.size() && is_space(src_[i])) ++i;
      if (src_.compare(i, 6, "endraw") != 0) {
        search = open + 2;
        continue;
      }
      i += 6;
      while (i < src_.size() && is_space(src_[i])) ++i;
      const bool close_minus = i < src_.size() && src_[i] == '-';
      const bool close_plus = i < src_.size() && src_[i] == '+';
      if (close_minus || close_plus) ++i;
      if (src_.compare(i, 2, "%}") != 0) template_fail(line_, "malformed endraw");
      std::string body = src_.substr(pos_, open - pos_);
      if (strip_next == 2) {
        size_t k = 0;
        while (k < body.size() && is_space(body[k])) ++k;
        body.erase(0, k);
      } else if (strip_next == 1 && !body.empty() && body[0] == '\n') {
        body.erase(0, 1);
      }
      if (minus) {
        while (!body.empty() && is_space(body.back())) body.pop_back();
      }
      emit_text(body, pos_);
      pos_ = i + 2;
      strip_next = closing_mode(close_minus, close_plus, true);
      return;
    }
  }

  const std::string& src_;
  LexOptions options_;
  size_t pos_ = 0;
  int line_ = 1;
  size_t line_pos_ = 0;
  int line_count_ = 1;
  std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> lex_template(const std::string& source, const LexOptions& options) {
  // As Jinja2 reads a template: \r\n and \r become \n, and one trailing newline is dropped
  // (keep_trailing_newline is off in Hugging Face's environment).
  std::string normalized;
  normalized.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      normalized += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      normalized += source[i];
    }
  }
  if (!normalized.empty() && normalized.back() == '\n') normalized.pop_back();
  return Lexer(normalized, options).run();
}

}  // namespace hearth::tmpl

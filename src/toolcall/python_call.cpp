#include "toolcall/python_call.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <stdexcept>

namespace hearth::toolcall {
namespace {

using json = nlohmann::ordered_json;
constexpr int kMaxDepth = 32;

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  std::vector<PythonCall> calls() {
    std::vector<PythonCall> out;
    skip();
    while (i_ < s_.size()) {
      out.push_back(call());
      skip();
      if (i_ < s_.size() && (s_[i_] == ',' || s_[i_] == ';')) {
        ++i_;
        skip();
      }
    }
    if (out.empty()) fail("no call");
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("python call at byte " + std::to_string(i_) + ": " + what);
  }
  void skip() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool ident_char(char c) const {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  }
  std::string ident() {
    const size_t b = i_;
    while (i_ < s_.size() && ident_char(s_[i_])) ++i_;
    if (b == i_) fail("expected a name");
    return std::string(s_.substr(b, i_ - b));
  }
  void expect(char c) {
    skip();
    if (i_ >= s_.size() || s_[i_] != c) fail(std::string("expected '") + c + "'");
    ++i_;
  }

  PythonCall call() {
    PythonCall c;
    c.name = ident();
    if (c.name.size() > 5 && c.name.compare(c.name.size() - 5, 5, ".call") == 0)
      c.name.erase(c.name.size() - 5);
    expect('(');
    json args = json::object();
    skip();
    while (i_ < s_.size() && s_[i_] != ')') {
      const std::string key = ident();
      expect('=');
      args[key] = value(0);
      skip();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        skip();
      }
    }
    expect(')');
    c.arguments = args.dump();
    return c;
  }

  json value(int depth) {
    if (depth > kMaxDepth) fail("nested too deep");
    skip();
    if (i_ >= s_.size()) fail("expected a value");
    const char c = s_[i_];
    if (c == '"' || c == '\'') return string(c);
    if (c == '[' || c == '(') {
      const char close = c == '[' ? ']' : ')';
      ++i_;
      json a = json::array();
      for (skip(); i_ < s_.size() && s_[i_] != close; skip()) {
        a.push_back(value(depth + 1));
        skip();
        if (i_ < s_.size() && s_[i_] == ',') ++i_;
      }
      expect(close);
      return a;
    }
    if (c == '{') {
      ++i_;
      json o = json::object();
      for (skip(); i_ < s_.size() && s_[i_] != '}'; skip()) {
        const json k = value(depth + 1);
        if (!k.is_string()) fail("dict keys must be strings");
        expect(':');
        o[k.get<std::string>()] = value(depth + 1);
        skip();
        if (i_ < s_.size() && s_[i_] == ',') ++i_;
      }
      expect('}');
      return o;
    }
    const std::string word = ident();
    if (word == "True" || word == "true") return true;
    if (word == "False" || word == "false") return false;
    if (word == "None" || word == "null") return nullptr;
    try {
      size_t used = 0;
      if (word.find_first_of(".eE") == std::string::npos) {
        const long long v = std::stoll(word, &used);
        if (used == word.size()) return v;
      } else {
        const double v = std::stod(word, &used);
        if (used == word.size()) return v;
      }
    } catch (const std::exception&) {
    }
    fail("'" + word + "' is not a literal");
  }

  json string(char quote) {
    ++i_;
    std::string out;
    while (i_ < s_.size() && s_[i_] != quote) {
      char c = s_[i_++];
      if (c == '\\' && i_ < s_.size()) {
        const char e = s_[i_++];
        c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
      }
      out += c;
    }
    if (i_ >= s_.size()) fail("unterminated string");
    ++i_;
    return out;  // invalid UTF-8 makes dump() throw: the caller reports it
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

std::vector<PythonCall> parse_python_calls(std::string_view text) {
  try {
    return Reader(text).calls();
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("python call: ") + e.what());
  }
}

}  // namespace hearth::toolcall

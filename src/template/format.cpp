// String formatting: Python's printf-style "fmt % args" (the `format` filter too) and
// str.format() with positional ({} {0}) and named ({name}) fields.
#include <cctype>
#include <cstdio>

#include "template/builtins.hpp"
#include "template/render_error.hpp"

namespace hearth::tmpl {

std::string percent_format(const std::string& format, const Value& args) {
  ValueList values = args.is_list() ? args.list() : ValueList{args};
  const Dict* mapping = args.is_dict() ? &args.dict() : nullptr;
  size_t next = 0;
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out += format[i];
      continue;
    }
    if (++i >= format.size()) render_fail("incomplete format");
    if (format[i] == '%') {
      out += '%';
      continue;
    }
    const Value* value = nullptr;
    if (format[i] == '(') {
      const size_t close = format.find(')', i);
      if (close == std::string::npos || !mapping) render_fail("format requires a mapping");
      value = mapping->find(format.substr(i + 1, close - i - 1));
      if (!value) render_fail("format key '" + format.substr(i + 1, close - i - 1) + "' missing");
      i = close + 1;
    }
    // Flags, width and precision, passed to snprintf for numbers.
    std::string spec = "%";
    while (i < format.size() && std::string("-+ 0#").find(format[i]) != std::string::npos)
      spec += format[i++];
    while (i < format.size() &&
           (std::isdigit(static_cast<unsigned char>(format[i])) || format[i] == '.'))
      spec += format[i++];
    if (i >= format.size()) render_fail("incomplete format");
    const char conversion = format[i];
    if (!value) {
      if (next >= values.size()) render_fail("not enough arguments for format string");
      value = &values[next++];
    }
    char buf[512];
    switch (conversion) {
      case 's':
      case 'r': {
        const std::string text = conversion == 's' ? value->str() : value->repr();
        if (spec == "%") {
          out += text;
        } else {
          std::snprintf(buf, sizeof buf, (spec + "s").c_str(), text.c_str());
          out += buf;
        }
        break;
      }
      case 'd':
      case 'i':
        if (!value->is_number()) type_error("%d format: a number is required", *value);
        std::snprintf(
            buf, sizeof buf, (spec + "lld").c_str(),
            static_cast<long long>(value->is_float() ? static_cast<int64_t>(value->as_double())
                                                     : value->as_int()));
        out += buf;
        break;
      case 'f':
      case 'F':
      case 'e':
      case 'g':
        if (!value->is_number()) type_error("%f format: a number is required", *value);
        std::snprintf(buf, sizeof buf, (spec + conversion).c_str(), value->as_double());
        out += buf;
        break;
      case 'x':
        if (!value->is_int() && !value->is_bool())
          type_error("%x format: an integer is required", *value);
        std::snprintf(buf, sizeof buf, (spec + "llx").c_str(),
                      static_cast<long long>(value->as_int()));
        out += buf;
        break;
      default:
        render_fail(std::string("unsupported format character '") + conversion + "'");
    }
  }
  if (!mapping && next < values.size())
    render_fail("not all arguments converted during string formatting");
  return out;
}

std::string brace_format(const std::string& format, const CallArgs& args) {
  std::string out;
  size_t auto_index = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    const char c = format[i];
    if (c == '}') {
      if (i + 1 < format.size() && format[i + 1] == '}')
        ++i;
      else
        render_fail("single '}' encountered in format string");
      out += '}';
      continue;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < format.size() && format[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    const size_t close = format.find('}', i);
    if (close == std::string::npos) render_fail("single '{' encountered in format string");
    std::string field = format.substr(i + 1, close - i - 1);
    i = close;
    if (field.find_first_of(":!") != std::string::npos)
      render_fail("format specifications in str.format are not supported");
    const Value* value = nullptr;
    if (field.empty()) {
      if (auto_index < args.positional.size()) value = &args.positional[auto_index];
      ++auto_index;
    } else if (std::isdigit(static_cast<unsigned char>(field[0]))) {
      const size_t index = std::stoul(field);
      if (index < args.positional.size()) value = &args.positional[index];
    } else {
      for (const auto& [k, v] : args.keyword)
        if (k == field) value = &v;
    }
    if (!value) render_fail("format field '{" + field + "}' has no argument");
    out += value->str();
  }
  return out;
}

}  // namespace hearth::tmpl

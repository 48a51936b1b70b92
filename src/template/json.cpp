// tojson as Hugging Face defines it: Python's json.dumps(x, ensure_ascii=False, indent=...,
// separators=..., sort_keys=...) — no HTML escaping (unlike Jinja2's own tojson), keys in
// insertion order unless sorted, floats as Python's repr.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "template/builtins.hpp"
#include "template/render_error.hpp"

namespace hearth::tmpl {
namespace {

void append_escaped(std::string& out, const std::string& s, bool ensure_ascii) {
  out += '"';
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      default:
        break;
    }
    char buf[16];
    if (c < 0x20) {
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else if (c >= 0x80 && ensure_ascii) {
      // Decode one code point; astral ones become a surrogate pair, as Python writes them.
      uint32_t cp = 0;
      size_t n = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
      if (i + n > s.size()) n = 1;
      cp = n == 1 ? c : c & (0xFF >> (n + 1));
      for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
      i += n - 1;
      if (cp >= 0x10000) {
        cp -= 0x10000;
        std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", 0xD800 + (cp >> 10),
                      0xDC00 + (cp & 0x3FF));
      } else {
        std::snprintf(buf, sizeof buf, "\\u%04x", cp);
      }
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

// json.dumps turns non-string keys into text: 1 -> "1", True -> "true", None -> "null".
std::string json_key(const Value& key) {
  if (key.is_string()) return key.as_string();
  if (key.is_bool()) return key.as_bool() ? "true" : "false";
  if (key.is_none()) return "null";
  if (key.is_int()) return std::to_string(key.as_int());
  if (key.is_float()) return python_float_repr(key.as_double());
  render_fail("keys must be str, int, float, bool or None, not " + key.type_name());
}

void newline(std::string& out, const JsonOptions& o, int level) {
  out += '\n';
  out.append(static_cast<size_t>(o.indent) * static_cast<size_t>(level), ' ');
}

void dump(std::string& out, const Value& v, const JsonOptions& o, int level) {
  switch (v.kind()) {
    case Kind::kNone:
      out += "null";
      return;
    case Kind::kBool:
      out += v.as_bool() ? "true" : "false";
      return;
    case Kind::kInt:
      out += std::to_string(v.as_int());
      return;
    case Kind::kFloat: {
      const double f = v.as_double();
      if (std::isnan(f)) {
        out += "NaN";
      } else if (std::isinf(f)) {
        out += f > 0 ? "Infinity" : "-Infinity";
      } else {
        out += python_float_repr(f);
      }
      return;
    }
    case Kind::kString:
      append_escaped(out, v.as_string(), o.ensure_ascii);
      return;
    case Kind::kList: {
      NestingGuard guard;
      const ValueList& items = v.list();
      if (items.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += o.item_separator;
        if (o.indent >= 0) newline(out, o, level + 1);
        dump(out, items[i], o, level + 1);
      }
      if (o.indent >= 0) newline(out, o, level);
      out += ']';
      return;
    }
    case Kind::kDict: {
      if (v.is_namespace()) break;
      NestingGuard guard;
      std::vector<const Dict::Entry*> entries;
      for (const auto& e : v.dict().entries()) entries.push_back(&e);
      if (entries.empty()) {
        out += "{}";
        return;
      }
      if (o.sort_keys)
        std::stable_sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) {
          return value_less(a->first, b->first);
        });
      out += '{';
      for (size_t i = 0; i < entries.size(); ++i) {
        if (i) out += o.item_separator;
        if (o.indent >= 0) newline(out, o, level + 1);
        append_escaped(out, json_key(entries[i]->first), o.ensure_ascii);
        out += o.key_separator;
        dump(out, entries[i]->second, o, level + 1);
      }
      if (o.indent >= 0) newline(out, o, level);
      out += '}';
      return;
    }
    default:
      break;
  }
  render_fail("Object of type " + v.type_name() + " is not JSON serializable");
}

}  // namespace

std::string to_json(const Value& value, const JsonOptions& options) {
  std::string out;
  dump(out, value, options, 0);
  return out;
}

}  // namespace hearth::tmpl

// JSON Schema -> GBNF. Each schema becomes a rule (named after its path so the grammar reads
// like the schema); $ref targets are rules of their own, which makes recursive schemas work.
// The JSON layout is fixed (llama.cpp's: `space` after each token) so one grammar serves every
// schema; sizes are bounded where JSON allows unbounded text (number digits) so a weak model
// cannot wander forever inside one number.
#include "grammar/json_schema.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "grammar/gbnf.hpp"
#include "grammar/schema_pattern.hpp"
#include "hearth/error.hpp"

namespace hearth::grammar {
namespace {

using json = nlohmann::ordered_json;

constexpr size_t kMaxDepth = 64;  // nested schemas (hostile input would overflow the stack)

const char* const kPrimitives[][2] = {
    {"space", R"(| " " | "\n" [ \t]{0,20})"},
    {"boolean", R"(("true" | "false") space)"},
    {"null", R"("null" space)"},
    {"integral-part", R"([0] | [1-9] [0-9]{0,15})"},
    {"integer", R"(("-"? integral-part) space)"},
    {"number", R"(("-"? integral-part) ("." [0-9]{1,16})? ([eE] [-+]? [0-9]{1,3})? space)"},
    {"char", R"([^"\\\x7F\x00-\x1F] | [\\] (["\\/bfnrt] | "u" [0-9a-fA-F]{4}))"},
    {"string", R"("\"" char* "\"" space)"},
    {"value", R"(object | array | string | number | boolean | null)"},
    {"object",
     R"("{" space ( string ":" space value ("," space string ":" space value)* )? "}" space)"},
    {"array", R"("[" space ( value ("," space value)* )? "]" space)"},
    // Year 0000 is left out: RFC 3339 allows it, but validators built on calendar dates (Python's
    // jsonschema: datetime.date.fromisoformat) reject it.
    {"date",
     R"(([1-9] [0-9]{3} | "0" ([1-9] [0-9]{2} | "0" ([1-9] [0-9] | "0" [1-9]))) "-" ( ("0" [13578] | "1" [02]) "-" ("0" [1-9] | [12] [0-9] | "3" [01]) | ("0" [469] | "11") "-" ("0" [1-9] | [12] [0-9] | "30") | "02-" ("0" [1-9] | "1" [0-9] | "2" [0-8]) ))"},
    {"time",
     R"(([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9] ":" [0-5] [0-9] ("." [0-9]{1,3})? ("Z" | [+-] ([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9]))"},
    {"uuid",
     R"([0-9a-fA-F]{8} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{12})"},
};

// Keywords that constrain nothing the grammar could enforce or break.
const std::set<std::string> kAnnotations = {
    "title",    "description", "$schema",     "$id",      "examples",  "default",
    "$comment", "$defs",       "definitions", "readOnly", "writeOnly", "deprecated"};
const std::set<std::string> kSupported = {"type",
                                          "properties",
                                          "required",
                                          "additionalProperties",
                                          "enum",
                                          "const",
                                          "items",
                                          "prefixItems",
                                          "minItems",
                                          "maxItems",
                                          "minLength",
                                          "maxLength",
                                          "pattern",
                                          "format",
                                          "minimum",
                                          "maximum",
                                          "exclusiveMinimum",
                                          "exclusiveMaximum",
                                          "anyOf",
                                          "oneOf",
                                          "allOf",
                                          "$ref"};

std::string literal(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20) {
      out += fmt::format("\\x{:02X}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string rule_name(const std::string& s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '-';
  return out.empty() ? "x" : out;
}

// Integers in [lo, hi] as GBNF (non-negative, equal digit counts), the classic split by
// leading digit.
std::string same_length_range(const std::string& lo, const std::string& hi) {
  // All n-digit strings: one class, which keeps the split below linear in the digit count.
  if (lo.find_first_not_of('0') == std::string::npos &&
      hi.find_first_not_of('9') == std::string::npos)
    return lo.size() == 1 ? "[0-9]" : fmt::format("[0-9]{{{}}}", lo.size());
  if (lo.size() == 1) return lo == hi ? literal(lo) : fmt::format("[{}-{}]", lo, hi);
  if (lo[0] == hi[0])
    return literal(lo.substr(0, 1)) + " (" + same_length_range(lo.substr(1), hi.substr(1)) + ")";
  std::vector<std::string> alts;
  const size_t rest = lo.size() - 1;
  alts.push_back(literal(lo.substr(0, 1)) + " (" +
                 same_length_range(lo.substr(1), std::string(rest, '9')) + ")");
  if (lo[0] + 1 <= hi[0] - 1)
    alts.push_back(fmt::format("[{}-{}] [0-9]{{{}}}", static_cast<char>(lo[0] + 1),
                               static_cast<char>(hi[0] - 1), rest));
  alts.push_back(literal(hi.substr(0, 1)) + " (" +
                 same_length_range(std::string(rest, '0'), hi.substr(1)) + ")");
  std::string out;
  for (const auto& a : alts) out += (out.empty() ? "" : " | ") + a;
  return out;
}

// Non-negative integers in [lo, hi] (hi < 0: unbounded above, up to 16 digits).
std::string nonneg_range(long long lo, long long hi) {
  std::vector<std::string> alts;
  const std::string l = std::to_string(lo);
  const size_t max_len = hi < 0 ? 16 : std::to_string(hi).size();
  for (size_t len = l.size(); len <= max_len; ++len) {
    const std::string a = len == l.size() ? l : "1" + std::string(len - 1, '0');
    std::string b;
    if (hi >= 0 && len == max_len)
      b = std::to_string(hi);
    else
      b = std::string(len, '9');
    if (len == 1 && a == "0" && b == "0") {
      alts.push_back("\"0\"");
      continue;
    }
    alts.push_back("(" + same_length_range(a, b) + ")");
  }
  std::string out;
  for (const auto& a : alts) out += (out.empty() ? "" : " | ") + a;
  return out;
}

class Converter {
 public:
  explicit Converter(json root) : root_(std::move(root)) {
    for (const auto& p : kPrimitives) primitive_bodies_[p[0]] = p[1];
  }

  std::string run() {
    const std::string top = visit(root_, "root", "#", 0);
    if (top != "root") add_rule("root", top);
    std::string out = "root ::= " + rules_.at("root") + "\n";
    for (const auto& name : order_)
      if (name != "root") out += name + " ::= " + rules_.at(name) + "\n";
    return out;
  }

 private:
  [[noreturn]] void error(const std::string& path, const std::string& what) const {
    fail(Status::kInvalidArgument, fmt::format("json schema: {} at {}", what, path));
  }

  // A primitive rule, added (with the primitives it uses) the first time it is needed.
  std::string prim(const std::string& name) {
    if (rules_.count(name)) return name;
    add_rule(name, primitive_bodies_.at(name));
    static const std::map<std::string, std::vector<std::string>> deps = {
        {"boolean", {"space"}},
        {"null", {"space"}},
        {"integer", {"integral-part", "space"}},
        {"number", {"integral-part", "space"}},
        {"string", {"char", "space"}},
        {"value", {"object", "array", "string", "number", "boolean", "null"}},
        {"object", {"space", "string", "value"}},
        {"array", {"space", "value"}}};
    const auto it = deps.find(name);
    if (it != deps.end())
      for (const auto& d : it->second) prim(d);
    return name;
  }

  std::string add_rule(const std::string& base, const std::string& body) {
    std::string name = rule_name(base);
    if (rules_.count(name) && rules_.at(name) != body) {
      int i = 1;
      while (rules_.count(fmt::format("{}{}", name, i))) ++i;
      name = fmt::format("{}{}", name, i);
    }
    if (!rules_.count(name)) order_.push_back(name);
    rules_[name] = body;
    return name;
  }

  const json& resolve(const std::string& ref, const std::string& path) const {
    if (ref == "#") return root_;
    std::string prefix;
    if (ref.rfind("#/$defs/", 0) == 0)
      prefix = "#/$defs/";
    else if (ref.rfind("#/definitions/", 0) == 0)
      prefix = "#/definitions/";
    else
      error(path, fmt::format("$ref '{}' is not #/$defs/NAME or #/definitions/NAME", ref));
    const std::string key = prefix == "#/$defs/" ? "$defs" : "definitions";
    const std::string name = ref.substr(prefix.size());
    if (!root_.contains(key) || !root_[key].contains(name))
      error(path, fmt::format("$ref '{}' does not resolve", ref));
    return root_[key][name];
  }

  std::string visit(const json& s, const std::string& name, const std::string& path, size_t depth) {
    if (depth > kMaxDepth) error(path, fmt::format("schemas nested deeper than {}", kMaxDepth));
    if (s.is_boolean()) {
      if (!s.get<bool>()) error(path, "the schema false matches nothing");
      return prim("value");
    }
    if (!s.is_object()) error(path, "a schema must be an object or a boolean");
    for (const auto& [k, v] : s.items())
      if (!kSupported.count(k) && !kAnnotations.count(k))
        error(path, fmt::format("unsupported keyword '{}'", k));

    if (s.contains("$ref")) {
      if (!s["$ref"].is_string()) error(path, "$ref must be a string");
      const std::string ref = s["$ref"].get<std::string>();
      // Only references into this document: "#" or "#/..." (found by fuzz_grammar: a $ref
      // without '/' made the rule name's substr throw std::out_of_range).
      if (ref != "#" && ref.rfind("#/", 0) != 0)
        error(path, fmt::format("$ref '{}' is not a local reference (# or #/...)", ref));
      const std::string rname =
          rule_name("ref" + (ref == "#" ? std::string("-root") : ref.substr(ref.rfind('/'))));
      const auto done = refs_.find(ref);
      if (done != refs_.end()) return done->second;
      refs_[ref] = rname;
      order_.push_back(rname);
      rules_[rname] = "";  // reserved: recursive references see the name
      rules_[rname] = visit(resolve(ref, path), rname, ref, depth + 1);
      return rname;
    }
    if (s.contains("const"))
      return add_rule(name, literal(s["const"].dump()) + " " + prim("space"));
    if (s.contains("enum")) {
      if (!s["enum"].is_array() || s["enum"].empty()) error(path, "enum must be a non-empty array");
      std::string body;
      for (const auto& v : s["enum"]) body += (body.empty() ? "" : " | ") + literal(v.dump());
      return add_rule(name, "(" + body + ") " + prim("space"));
    }
    for (const char* key : {"anyOf", "oneOf"}) {
      if (!s.contains(key)) continue;
      if (!s[key].is_array() || s[key].empty())
        error(path, std::string(key) + " must be a non-empty array");
      std::string body;
      size_t i = 0;
      for (const auto& sub : s[key]) {
        const std::string r = visit(merge_siblings(s, sub, key), fmt::format("{}-{}", name, i),
                                    fmt::format("{}/{}/{}", path, key, i), depth + 1);
        body += (body.empty() ? "" : " | ") + r;
        ++i;
      }
      return add_rule(name, body);
    }
    if (s.contains("allOf")) return visit(merge_all_of(s, path), name, path + "/allOf", depth + 1);

    if (s.contains("type") && s["type"].is_array()) {
      std::string body;
      for (const auto& t : s["type"]) {
        json one = s;
        one["type"] = t;
        body += (body.empty() ? "" : " | ") +
                visit(one, name + "-" + t.get<std::string>(), path, depth + 1);
      }
      return add_rule(name, body);
    }
    std::string type = s.contains("type") ? s["type"].get<std::string>() : "";
    if (type.empty()) {
      if (s.contains("properties") || s.contains("additionalProperties") || s.contains("required"))
        type = "object";
      else if (s.contains("items") || s.contains("prefixItems"))
        type = "array";
      else if (s.contains("pattern") || s.contains("format") || s.contains("minLength") ||
               s.contains("maxLength"))
        type = "string";
      else if (s.contains("minimum") || s.contains("maximum"))
        type = "integer";
    }
    if (type.empty()) return prim("value");
    if (type == "object") return object(s, name, path, depth);
    if (type == "array") return array(s, name, path, depth);
    if (type == "string") return string(s, name, path);
    if (type == "integer") return integer(s, name, path);
    if (type == "number") {
      for (const char* k : {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
        if (s.contains(k)) error(path, fmt::format("unsupported keyword '{}' for type number", k));
      return prim("number");
    }
    if (type == "boolean") return prim("boolean");
    if (type == "null") return prim("null");
    error(path, fmt::format("unknown type '{}'", type));
  }

  // anyOf/oneOf alternatives inherit the keywords next to them ({"type": "object",
  // "properties": ..., "anyOf": [{"required": ["a"]}, ...]}).
  static json merge_siblings(const json& parent, const json& sub, const std::string& key) {
    bool siblings = false;
    for (const auto& [k, v] : parent.items())
      if (k != key && !kAnnotations.count(k)) siblings = true;
    if (!sub.is_object() || !siblings || sub.contains("$ref")) return sub;
    json out = parent;
    out.erase(key);
    for (const auto& [k, v] : sub.items()) {
      if (k == "properties" && out.contains("properties"))
        for (const auto& [pk, pv] : v.items()) out["properties"][pk] = pv;
      else if (k == "required" && out.contains("required"))
        for (const auto& r : v) out["required"].push_back(r);
      else
        out[k] = v;
    }
    return out;
  }

  json merge_all_of(const json& s, const std::string& path) const {
    if (!s["allOf"].is_array() || s["allOf"].empty())
      error(path, "allOf must be a non-empty array");
    json out = s;
    out.erase("allOf");
    for (const auto& part0 : s["allOf"]) {
      const json& part = part0.is_object() && part0.contains("$ref")
                             ? resolve(part0["$ref"].get<std::string>(), path)
                             : part0;
      if (!part.is_object()) error(path, "allOf parts must be schemas");
      for (const auto& [k, v] : part.items()) {
        if (k == "properties") {
          for (const auto& [pk, pv] : v.items()) out["properties"][pk] = pv;
        } else if (k == "required") {
          for (const auto& r : v) out["required"].push_back(r);
        } else if (out.contains(k) && out[k] != v && !kAnnotations.count(k)) {
          error(path, fmt::format("allOf parts disagree on '{}'", k));
        } else {
          out[k] = v;
        }
      }
    }
    return out;
  }

  std::string object(const json& s, const std::string& name, const std::string& path,
                     size_t depth) {
    const json props = s.value("properties", json::object());
    std::set<std::string> required;
    for (const auto& r : s.value("required", json::array())) required.insert(r.get<std::string>());
    for (const auto& r : required)
      if (!props.contains(r) &&
          !(s.contains("additionalProperties") && s["additionalProperties"] != false))
        error(path, fmt::format("required property '{}' has no schema in properties", r));
    std::vector<std::string> req_kv, opt_kv;
    for (const auto& [k, v] : props.items()) {
      const std::string vr = visit(v, name + "-" + k, path + "/properties/" + k, depth + 1);
      const std::string kv =
          add_rule(name + "-" + k + "-kv", literal(json(k).dump()) + " " + prim("space") +
                                               " \":\" " + prim("space") + " " + vr);
      (required.count(k) ? req_kv : opt_kv).push_back(kv);
    }
    // additionalProperties: absent with properties -> none (the tightest valid output);
    // absent without properties, true, or a schema -> extra keys that are none of the declared.
    const bool has_add =
        s.contains("additionalProperties") ? s["additionalProperties"] != false : props.empty();
    if (has_add) {
      const json& add = s.contains("additionalProperties") ? s["additionalProperties"] : json(true);
      const std::string vr =
          visit(add, name + "-additional", path + "/additionalProperties", depth + 1);
      std::vector<std::string> keys;
      for (const auto& [k, v] : props.items()) keys.push_back(k);
      const std::string key =
          keys.empty() ? prim("string") : not_strings(keys, name + "-extra-key");
      const std::string kv =
          add_rule(name + "-additional-kv", key + " \":\" " + prim("space") + " " + vr);
      opt_kv.push_back(
          add_rule(name + "-additional-kvs", kv + " (\",\" " + prim("space") + " " + kv + ")*"));
    }
    std::string body = "\"{\" " + prim("space");
    if (!req_kv.empty()) {
      for (size_t i = 0; i < req_kv.size(); ++i)
        body += (i ? " \",\" " + prim("space") + " " : " ") + req_kv[i];
      for (const auto& o : opt_kv) body += " (\",\" " + prim("space") + " " + o + ")?";
    } else if (!opt_kv.empty()) {
      // Any in-order subset of the optional members: start with member i, then maybe later ones.
      std::string alts;
      for (size_t i = 0; i < opt_kv.size(); ++i) {
        std::string alt = opt_kv[i];
        for (size_t j = i + 1; j < opt_kv.size(); ++j)
          alt += " (\",\" " + prim("space") + " " + opt_kv[j] + ")?";
        alts += (alts.empty() ? "" : " | ") + alt;
      }
      body += " (" + alts + ")?";
    }
    body += " \"}\" " + prim("space");
    return add_rule(name, body);
  }

  // JSON strings (with quotes) whose content is none of `words`: a trie of the words where
  // leaving the trie anywhere, or stopping where no word ends, is allowed.
  std::string not_strings(const std::vector<std::string>& words, const std::string& name) {
    struct Node {
      std::map<char, int> next;
      bool word = false;
    };
    std::vector<Node> trie(1);
    for (const auto& w : words) {
      int n = 0;
      for (char c : w) {
        auto it = trie[n].next.find(c);
        if (it == trie[n].next.end()) {
          trie[n].next[c] = static_cast<int>(trie.size());
          trie.emplace_back();
          n = static_cast<int>(trie.size()) - 1;
        } else {
          n = it->second;
        }
      }
      trie[n].word = true;
    }
    prim("char");
    std::function<std::string(int)> body = [&](int n) {
      std::string excluded;
      std::string alts;
      for (const auto& [c, child] : trie[n].next) {
        const std::string lit = literal(std::string(1, c));
        excluded += lit.substr(1, lit.size() - 2) == "]" ? "\\]" : lit.substr(1, lit.size() - 2);
        if (c == '-') excluded.back() = '-', excluded.insert(excluded.size() - 1, "\\");
        alts += (alts.empty() ? "" : " | ") + lit + " " + body(child);
      }
      alts += (alts.empty() ? "" : " | ") + std::string("([^\"\\\\\\x7F\\x00-\\x1F") + excluded +
              "] | [\\\\] ([\"\\\\/bfnrt] | \"u\" [0-9a-fA-F]{4})) char*";
      return "(" + alts + ")" + (trie[n].word ? "" : "?");
    };
    return add_rule(name, "\"\\\"\" " + body(0) + " \"\\\"\" " + prim("space"));
  }

  // minItems/maxItems/minLength/maxLength: a non-negative integer (3.0 is accepted, as JSON Schema
  // allows). Read by hand because nlohmann's get<long long>() on 1e300 is undefined behaviour.
  long long count_keyword(const json& s, const char* key, long long absent,
                          const std::string& path) {
    if (!s.contains(key)) return absent;
    const json& v = s[key];
    constexpr double kLimit = 1e15;  // far above any count we accept; exact in a double
    if (v.is_number_unsigned())
      return v.get<uint64_t>() > kLimit ? static_cast<long long>(kLimit) : v.get<long long>();
    if (v.is_number_integer() && v.get<long long>() >= 0) return v.get<long long>();
    if (v.is_number_float()) {
      const double d = v.get<double>();
      if (d >= 0 && d == std::floor(d))
        return d > kLimit ? static_cast<long long>(kLimit) : static_cast<long long>(d);
    }
    error(path, fmt::format("{} must be a non-negative integer", key));
  }

  std::string array(const json& s, const std::string& name, const std::string& path, size_t depth) {
    const long long min_items = count_keyword(s, "minItems", 0, path);
    const long long max_items = count_keyword(s, "maxItems", -1, path);
    if (min_items < 0 || (max_items >= 0 && max_items < min_items))
      error(path, "minItems/maxItems out of order");
    std::vector<std::string> parts;
    if (s.contains("prefixItems")) {
      size_t i = 0;
      for (const auto& sub : s["prefixItems"]) {
        if (max_items >= 0 && static_cast<long long>(i) >= max_items) break;
        parts.push_back(visit(sub, fmt::format("{}-{}", name, i),
                              fmt::format("{}/prefixItems/{}", path, i), depth + 1));
        ++i;
      }
    }
    const std::string sep = "\",\" " + prim("space") + " ";
    std::string body = "\"[\" " + prim("space");
    for (size_t i = 0; i < parts.size(); ++i) body += (i ? " " + sep : " ") + parts[i];
    const bool items_allowed = !(s.contains("items") && s["items"] == false) &&
                               !(s.contains("prefixItems") && !s.contains("items"));
    if (items_allowed) {
      const std::string item =
          visit(s.value("items", json(true)), name + "-item", path + "/items", depth + 1);
      const long long lo = std::max(0LL, min_items - static_cast<long long>(parts.size()));
      const long long hi = max_items < 0 ? -1 : max_items - static_cast<long long>(parts.size());
      if (lo > 2000 || hi > 2000) error(path, "minItems/maxItems over 2000");
      if (hi != 0) {
        if (parts.empty()) {
          // first item, then (lo-1 .. hi-1) more
          const std::string more = hi < 0 ? fmt::format("{{{},}}", lo > 0 ? lo - 1 : 0)
                                          : fmt::format("{{{},{}}}", lo > 0 ? lo - 1 : 0, hi - 1);
          const std::string seq = item + " (" + sep + item + ")" + more;
          body += lo > 0 ? " " + seq : " (" + seq + ")?";
        } else {
          const std::string reps =
              hi < 0 ? fmt::format("{{{},}}", lo) : fmt::format("{{{},{}}}", lo, hi);
          body += " (" + sep + item + ")" + reps;
        }
      }
    }
    body += " \"]\" " + prim("space");
    return add_rule(name, body);
  }

  std::string string(const json& s, const std::string& name, const std::string& path) {
    const bool has_len = s.contains("minLength") || s.contains("maxLength");
    if (s.contains("pattern")) {
      if (has_len || s.contains("format"))
        error(path, "pattern with minLength/maxLength/format is not supported");
      return add_rule(name, "\"\\\"\" " + pattern_to_gbnf(s["pattern"].get<std::string>(), path) +
                                " \"\\\"\" " + prim("space"));
    }
    if (s.contains("format")) {
      const std::string f = s["format"].get<std::string>();
      if (has_len) error(path, "format with minLength/maxLength is not supported");
      std::string body;
      if (f == "date" || f == "time" || f == "uuid")
        body = prim(f);
      else if (f == "date-time")
        body = prim("date") + " \"T\" " + prim("time");
      else
        error(path, fmt::format("unsupported format '{}'", f));
      return add_rule(name, "\"\\\"\" " + body + " \"\\\"\" " + prim("space"));
    }
    if (has_len) {
      const long long lo = count_keyword(s, "minLength", 0, path);
      const long long hi = count_keyword(s, "maxLength", -1, path);
      if (lo < 0 || (hi >= 0 && hi < lo)) error(path, "minLength/maxLength out of order");
      if (lo > 2000 || hi > 2000) error(path, "minLength/maxLength over 2000");
      const std::string reps =
          hi < 0 ? fmt::format("{{{},}}", lo) : fmt::format("{{{},{}}}", lo, hi);
      return add_rule(name, "\"\\\"\" " + prim("char") + reps + " \"\\\"\" " + prim("space"));
    }
    return prim("string");
  }

  std::string integer(const json& s, const std::string& name, const std::string& path) {
    constexpr long long kBig = 999999999999999LL;  // 15 digits: the grammar's integer size
    long long lo = -kBig, hi = kBig;
    bool has_lo = false, has_hi = false;
    auto num = [&](const char* k) {
      if (!s[k].is_number()) error(path, fmt::format("{} must be a number", k));
      const double d = s[k].get<double>();
      // checked before any cast to long long: converting 1e300 would be undefined behaviour
      if (std::fabs(d) > 1e16) error(path, "integer bounds beyond 15 digits");
      return d;
    };
    if (s.contains("minimum"))
      lo = static_cast<long long>(std::ceil(num("minimum"))), has_lo = true;
    if (s.contains("exclusiveMinimum"))
      lo = std::max(lo, static_cast<long long>(std::floor(num("exclusiveMinimum"))) + 1),
      has_lo = true;
    if (s.contains("maximum"))
      hi = static_cast<long long>(std::floor(num("maximum"))), has_hi = true;
    if (s.contains("exclusiveMaximum"))
      hi = std::min(hi, static_cast<long long>(std::ceil(num("exclusiveMaximum"))) - 1),
      has_hi = true;
    if (!has_lo && !has_hi) return prim("integer");
    if (lo > hi) error(path, "minimum is above maximum");
    if (lo < -kBig || hi > kBig) error(path, "integer bounds beyond 15 digits");
    std::vector<std::string> alts;
    if (lo < 0) {
      // negative part: -[max(1,-hi) .. -lo]
      const long long nlo = hi < 0 ? -hi : 1;
      alts.push_back("\"-\" (" + nonneg_range(nlo, has_lo ? -lo : -1) + ")");
    }
    if (hi >= 0) alts.push_back(nonneg_range(std::max(0LL, lo), has_hi ? hi : -1));
    std::string body;
    for (const auto& a : alts) body += (body.empty() ? "" : " | ") + a;
    return add_rule(name, "(" + body + ") " + prim("space"));
  }

  json root_;
  std::map<std::string, std::string> rules_;
  std::vector<std::string> order_;
  std::map<std::string, std::string> refs_;
  std::map<std::string, std::string> primitive_bodies_;
};

}  // namespace

std::string json_schema_to_gbnf(std::string_view schema_json) {
  json schema;
  try {
    schema = json::parse(schema_json.begin(), schema_json.end(), nullptr, true, false);
  } catch (const json::exception& e) {
    fail(Status::kInvalidArgument, fmt::format("json schema: not valid JSON: {}", e.what()));
  }
  std::string gbnf;
  try {
    gbnf = Converter(std::move(schema)).run();
  } catch (const json::exception& e) {  // a keyword with a value of the wrong JSON type
    fail(Status::kInvalidArgument, fmt::format("json schema: {}", e.what()));
  }
  (void)parse_gbnf(gbnf);  // our output must parse: a bug here is ours, caught early
  return gbnf;
}

std::string json_object_grammar() {
  return json_schema_to_gbnf(R"({"type": "object"})");
}

}  // namespace hearth::grammar

#include "toolcall/tool_parser.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "toolcall/json_scan.hpp"
#include "toolcall/python_call.hpp"

namespace hearth::toolcall {
namespace {

using json = nlohmann::ordered_json;
constexpr auto npos = std::string_view::npos;

// Why a reply could not be read; caught in parse_tool_reply, never escapes.
struct Unreadable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

size_t skip_space(std::string_view s, size_t i) {
  while (i < s.size() && is_space(s[i])) ++i;
  return i;
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

bool starts_with(std::string_view s, size_t at, std::string_view x) {
  return s.size() >= at + x.size() && s.compare(at, x.size(), x) == 0;
}

// The JSON object or array at s[pos]; *end receives the index after it.
json json_at(std::string_view s, size_t pos, size_t* end, const char* what) {
  if (pos >= s.size() || (s[pos] != '{' && s[pos] != '['))
    throw Unreadable(std::string(what) + ": expected a JSON object");
  const size_t e = json_value_end(s, pos);
  if (e == npos)
    throw Unreadable(std::string(what) +
                     ": the JSON is cut off, unbalanced or nested deeper than " +
                     std::to_string(kMaxScanDepth));
  try {
    json j = json::parse(s.substr(pos, e - pos));
    *end = e;
    return j;
  } catch (const json::exception& ex) {
    throw Unreadable(std::string(what) + ": invalid JSON: " + ex.what());
  }
}

// The arguments as a compact JSON object, the model's own text without the whitespace between
// tokens (json_scan.hpp: streaming emits the same text as it arrives): an object as is, a string
// that holds a JSON object (OpenAI's own representation), or nothing ("{}"). `raw` is the
// value's text.
std::string arguments_text(const json* a, std::string_view raw) {
  if (!a || a->is_null()) return "{}";
  if (a->is_object()) return minify_json(raw);
  if (a->is_string()) {
    const std::string text = a->get<std::string>();
    json inner;
    try {
      inner = json::parse(text);
    } catch (const json::exception&) {
      throw Unreadable("the arguments string is not JSON");
    }
    if (inner.is_object()) return minify_json(text);
  }
  throw Unreadable("the arguments are not a JSON object");
}

// {"name", "arguments"|"parameters", "id"?} or OpenAI's {"function": {"name", "arguments"}}.
// `raw`: the object's text.
ToolCall call_from_object(const json& o, std::string_view raw) {
  if (!o.is_object()) throw Unreadable("a tool call must be a JSON object");
  const bool nested = o.contains("function") && o["function"].is_object();
  const json& f = nested ? o["function"] : o;
  const std::string_view raw_f =
      nested ? json_member(raw, Span{0, raw.size()}, "function").of(raw) : raw;
  if (!f.contains("name") || !f["name"].is_string() || f["name"].get<std::string>().empty())
    throw Unreadable("a tool call needs a \"name\" string");
  ToolCall c;
  c.name = f["name"].get<std::string>();
  const char* key = f.contains("arguments")    ? "arguments"
                    : f.contains("parameters") ? "parameters"
                                               : nullptr;
  if (key) {
    const Span at = json_member(raw_f, Span{0, raw_f.size()}, key);
    if (!at.found()) throw Unreadable("the arguments could not be located");
    c.arguments = arguments_text(&f[key], at.of(raw_f));
  } else {
    c.arguments = arguments_text(nullptr, {});
  }
  if (o.contains("id") && o["id"].is_string()) c.id = o["id"].get<std::string>();
  return c;
}

// `raw`: the text of `j`.
void add_calls(const json& j, std::string_view raw, std::vector<ToolCall>& out) {
  if (j.is_array()) {
    if (j.empty()) throw Unreadable("an empty list of tool calls");
    const std::vector<Span> items = json_elements(raw, Span{0, raw.size()});
    if (items.size() != j.size()) throw Unreadable("the list of calls could not be split");
    for (size_t k = 0; k < j.size(); ++k) out.push_back(call_from_object(j[k], items[k].of(raw)));
  } else {
    out.push_back(call_from_object(j, raw));
  }
}

// <tool_call>{...}</tool_call> blocks; a missing close is tolerated only at the very end.
ParsedReply parse_hermes(std::string_view s) {
  static constexpr std::string_view kOpen = "<tool_call>", kClose = "</tool_call>";
  ParsedReply r;
  size_t i = 0;
  std::string content;
  for (;;) {
    const size_t at = s.find(kOpen, i);
    if (at == npos) {
      content += s.substr(i);
      break;
    }
    content += s.substr(i, at - i);
    size_t end = 0;
    const size_t from = skip_space(s, at + kOpen.size());
    const json j = json_at(s, from, &end, "<tool_call>");
    add_calls(j, s.substr(from, end - from), r.calls);
    end = skip_space(s, end);
    if (starts_with(s, end, kClose))
      i = end + kClose.size();
    else if (end == s.size())
      i = end;
    else
      throw Unreadable("<tool_call>: text after the JSON instead of </tool_call>");
  }
  r.content = trim(content);
  return r;
}

// JSON objects separated by ';' (Llama 3.1 allows one per message; several are accepted).
void json_sequence(std::string_view s, std::vector<ToolCall>& out) {
  size_t i = skip_space(s, 0);
  while (i < s.size()) {
    size_t end = 0;
    const json j = json_at(s, i, &end, "<|python_tag|>");
    add_calls(j, s.substr(i, end - i), out);
    i = skip_space(s, end);
    if (i < s.size() && s[i] == ';') i = skip_space(s, i + 1);
  }
}

std::string strip_suffix(std::string t, std::string_view suffix) {
  if (t.size() >= suffix.size() && t.compare(t.size() - suffix.size(), suffix.size(), suffix) == 0)
    t.erase(t.size() - suffix.size());
  return trim(t);
}

ParsedReply parse_llama3(std::string_view s, const std::vector<std::string>& known);
ParsedReply parse_generic(std::string_view s, const std::vector<std::string>* known);

ParsedReply parse_llama3(std::string_view s, const std::vector<std::string>& known) {
  static constexpr std::string_view kTag = "<|python_tag|>";
  const size_t at = s.find(kTag);
  if (at != npos) {
    ParsedReply r;
    r.content = trim(s.substr(0, at));
    std::string rest = trim(s.substr(at + kTag.size()));
    rest = strip_suffix(strip_suffix(rest, "<|eom_id|>"), "<|eot_id|>");
    if (!rest.empty() && rest[0] == '{')
      json_sequence(rest, r.calls);
    else
      for (auto& c : parse_python_calls(rest)) r.calls.push_back({"", c.name, c.arguments});
    if (r.calls.empty()) throw Unreadable("<|python_tag|> is followed by no call");
    return r;
  }
  const std::string t = trim(s);
  // Llama 3.2's list of Python calls: [f(a=1), g(b="x")]. Only when it reads as that in full;
  // other bracketed text is content.
  if (!t.empty() && t[0] == '[' && t.back() == ']' && t.find('(') != npos) {
    try {
      ParsedReply r;
      for (auto& c : parse_python_calls(std::string_view(t).substr(1, t.size() - 2)))
        r.calls.push_back({"", c.name, c.arguments});
      bool all_known = !r.calls.empty();
      for (const auto& c : r.calls)
        all_known = all_known && std::find(known.begin(), known.end(), c.name) != known.end();
      if (all_known || known.empty()) return r;
    } catch (const std::exception&) {
    }
  }
  // The JSON form: {"name": ..., "parameters": ...} is the whole reply.
  return parse_generic(s, known.empty() ? nullptr : &known);
}

// [TOOL_CALLS][{...}, ...]  or  [TOOL_CALLS]name[CALL_ID]id[ARGS]{...} repeated.
ParsedReply parse_mistral(std::string_view s) {
  static constexpr std::string_view kTag = "[TOOL_CALLS]", kArgs = "[ARGS]", kId = "[CALL_ID]";
  ParsedReply r;
  const size_t at = s.find(kTag);
  if (at == npos) {
    r.content = trim(s);
    return r;
  }
  r.content = trim(s.substr(0, at));
  size_t i = skip_space(s, at + kTag.size());
  if (i < s.size() && s[i] == '[') {
    size_t end = 0;
    const json j = json_at(s, i, &end, "[TOOL_CALLS]");
    add_calls(j, s.substr(i, end - i), r.calls);
    if (skip_space(s, end) != s.size() && !starts_with(s, skip_space(s, end), "</s>"))
      throw Unreadable("[TOOL_CALLS]: text after the list of calls");
    return r;
  }
  for (;;) {
    const size_t br = s.find('[', i);
    if (br == npos) throw Unreadable("[TOOL_CALLS]: no [ARGS] after the function name");
    ToolCall c;
    c.name = trim(s.substr(i, br - i));
    if (c.name.empty()) throw Unreadable("[TOOL_CALLS]: empty function name");
    size_t j = br;
    if (starts_with(s, j, kId)) {
      const size_t next = s.find('[', j + kId.size());
      if (next == npos) throw Unreadable("[CALL_ID]: no [ARGS] after the id");
      c.id = trim(s.substr(j + kId.size(), next - j - kId.size()));
      j = next;
    }
    if (!starts_with(s, j, kArgs)) throw Unreadable("[TOOL_CALLS]: expected [ARGS]");
    size_t end = 0;
    const size_t from = skip_space(s, j + kArgs.size());
    const json args = json_at(s, from, &end, "[ARGS]");
    c.arguments = arguments_text(&args, s.substr(from, end - from));
    r.calls.push_back(std::move(c));
    i = skip_space(s, end);
    if (starts_with(s, i, kTag)) {
      i = skip_space(s, i + kTag.size());
      continue;
    }
    if (i != s.size() && !starts_with(s, i, "</s>"))
      throw Unreadable("[ARGS]: text after the arguments");
    return r;
  }
}

// The whole reply (optionally in a ```json fence) as a call object, a list of them or
// {"tool_calls": [...]}. `known` non-null: the names must be among them, else it is content.
ParsedReply parse_generic(std::string_view s, const std::vector<std::string>* known) {
  ParsedReply r;
  std::string t = trim(s);
  if (starts_with(t, 0, "```")) {
    const size_t nl = t.find('\n');
    const size_t close = t.rfind("```");
    if (nl != npos && close != npos && close > nl)
      t = trim(std::string_view(t).substr(nl + 1, close - nl - 1));
  }
  r.content = trim(s);
  if (t.empty() || (t[0] != '{' && t[0] != '[')) return r;
  const size_t end = json_value_end(t, 0);
  if (end != t.size()) return r;  // not one JSON value: ordinary text
  json j;
  try {
    j = json::parse(t);
  } catch (const json::exception&) {
    return r;
  }
  const bool looks_like_call = (j.is_object() && (j.contains("name") || j.contains("function") ||
                                                  j.contains("tool_calls"))) ||
                               (j.is_array() && !j.empty() && j[0].is_object() &&
                                (j[0].contains("name") || j[0].contains("function")));
  if (!looks_like_call) return r;  // JSON, but not a call: the content is the JSON
  std::vector<ToolCall> calls;
  try {
    const bool wrapped = j.is_object() && j.contains("tool_calls");
    const std::string_view raw =
        wrapped ? json_member(t, Span{0, t.size()}, "tool_calls").of(t) : std::string_view(t);
    add_calls(wrapped ? j["tool_calls"] : j, raw, calls);
  } catch (const Unreadable&) {
    if (known) return r;  // a JSON answer that merely resembles a call
    throw;
  }
  if (known)
    for (const auto& c : calls)
      if (std::find(known->begin(), known->end(), c.name) == known->end()) return r;
  r.calls = std::move(calls);
  r.content.clear();
  return r;
}

}  // namespace

ParsedReply parse_tool_reply(std::string_view text, ToolFormat format,
                             const std::vector<std::string>& known_names) {
  try {
    ParsedReply r;
    switch (format) {
      case ToolFormat::kHermes:
        r = parse_hermes(text);
        break;
      case ToolFormat::kLlama3:
        r = parse_llama3(text, known_names);
        break;
      case ToolFormat::kMistral:
      case ToolFormat::kMistralArgs:
        r = parse_mistral(text);
        break;
      case ToolFormat::kGeneric:
        return parse_generic(text, nullptr);
    }
    if (r.calls.empty() && format != ToolFormat::kLlama3)
      return parse_generic(text, &known_names);  // a bare JSON call naming an offered tool
    return r;
  } catch (const std::exception& e) {  // Unreadable, or anything a hostile input provokes
    ParsedReply r;
    r.content = trim(text);
    r.error = e.what();
    return r;
  }
}

}  // namespace hearth::toolcall

#include "toolcall/tool_scan.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

#include "toolcall/json_scan.hpp"

namespace hearth::toolcall {
namespace {

constexpr auto npos = std::string_view::npos;
constexpr std::string_view kHermesClose = "</tool_call>";
constexpr std::string_view kMistralTag = "[TOOL_CALLS]";

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

bool starts_with(std::string_view s, size_t at, std::string_view x) {
  return s.size() >= at + x.size() && s.compare(at, x.size(), x) == 0;
}

// s[at..] is a (possibly empty) proper prefix of x: x may still be being written.
bool may_become(std::string_view s, size_t at, std::string_view x) {
  const std::string_view rest = s.substr(at);
  return rest.size() < x.size() && x.compare(0, rest.size(), rest) == 0;
}

std::vector<std::string_view> openings(ToolFormat f) {
  switch (f) {
    case ToolFormat::kHermes:
      return {"<tool_call>"};
    case ToolFormat::kMistral:
    case ToolFormat::kMistralArgs:
      return {kMistralTag};
    case ToolFormat::kLlama3:
      return {"<|python_tag|>"};
    case ToolFormat::kGeneric:
      break;
  }
  return {};
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

class Scanner {
 public:
  Scanner(std::string_view s, ToolFormat f, const std::vector<std::string>& known)
      : s_(s), f_(f), known_(known) {}

  PartialReply run() {
    const size_t q = skip(0);
    if (q == s_.size()) return out_;  // only whitespace so far: it may precede a bare call
    bool opening = false;
    for (std::string_view t : openings(f_))
      opening = opening || starts_with(s_, q, t) || may_become(s_, q, t);
    if (!opening && (s_[q] == '{' || s_[q] == '[' || s_[q] == '`'))
      whole_reply(q);
    else
      text_from(0);
    return out_;
  }

 private:
  size_t skip(size_t i) const {
    while (i < s_.size() && is_space(s_[i])) ++i;
    return i;
  }

  // Content from i until a call opens; then the call region, and content again after it.
  void text_from(size_t i) {
    const std::vector<std::string_view> opens = openings(f_);
    while (i != npos) {
      size_t at = npos;
      std::string_view which;
      for (std::string_view t : opens) {
        const size_t p = s_.find(t, i);
        if (p < at) at = p, which = t;
      }
      if (at == npos) {
        // Hold back a suffix that could still become an opening.
        size_t keep = 0;
        for (std::string_view t : opens)
          for (size_t n = std::min(t.size() - 1, s_.size() - i); n > keep; --n)
            if (s_.compare(s_.size() - n, n, t, 0, n) == 0) {
              keep = n;
              break;
            }
        out_.content += s_.substr(i, s_.size() - keep - i);
        return;
      }
      out_.content += s_.substr(i, at - i);
      i = call_region(which, at + which.size());
    }
  }

  // After an opening: the calls it holds. Returns where content resumes, or npos (the scan
  // ends: the text runs out, or continues in a shape left to the final parse).
  size_t call_region(std::string_view opening, size_t p) {
    const size_t q = skip(p);
    if (q == s_.size()) return npos;
    if (opening == kMistralTag) {
      if (s_[q] == '[')
        call_list(q, f_ == ToolFormat::kMistral, false);
      else
        mistral_args_calls(q);
      return npos;
    }
    if (s_[q] != '{') return npos;
    if (f_ == ToolFormat::kLlama3) {  // <|python_tag|>{...}; {...}
      for (size_t i = q;;) {
        const size_t e = call_object(i, false, false);
        if (e == npos) return npos;
        const size_t r = skip(e);
        if (r == s_.size() || s_[r] != ';') return npos;
        i = skip(r + 1);
        if (i == s_.size() || s_[i] != '{') return npos;
      }
    }
    const size_t e = call_object(q, false, false);  // <tool_call>{...}</tool_call>
    if (e == npos) return npos;
    const size_t r = skip(e);
    if (starts_with(s_, r, kHermesClose)) return r + kHermesClose.size();
    return npos;
  }

  // A reply that begins with JSON: one call object or a list of them, counted as calls only
  // when they name an offered tool (any name in the generic format).
  void whole_reply(size_t q) {
    const bool need_known = f_ != ToolFormat::kGeneric;
    if (s_[q] == '{') {
      call_object(q, need_known, false);
    } else if (s_[q] == '[') {
      const size_t r = skip(q + 1);
      if (r < s_.size() && s_[r] == '{') call_list(q, false, need_known);
    }
  }

  void call_list(size_t q, bool hold, bool need_known) {
    for (size_t i = skip(q + 1); i < s_.size() && s_[i] == '{';) {
      const size_t e = call_object(i, need_known, hold);
      if (e == npos) return;
      const size_t r = skip(e);
      if (r == s_.size() || s_[r] != ',') return;
      i = skip(r + 1);
    }
  }

  // [TOOL_CALLS]name[CALL_ID]id[ARGS]{...}, repeated: announced at [ARGS].
  void mistral_args_calls(size_t q) {
    static constexpr std::string_view kArgs = "[ARGS]", kId = "[CALL_ID]";
    for (;;) {
      const size_t br = s_.find('[', q);
      if (br == npos) return;
      PartialCall c;
      c.name = trim(s_.substr(q, br - q));
      c.named = !c.name.empty();
      if (!c.named) return;
      size_t j = br;
      if (starts_with(s_, j, kId)) {
        const size_t next = s_.find('[', j + kId.size());
        if (next == npos) return;
        c.id = trim(s_.substr(j + kId.size(), next - j - kId.size()));
        j = next;
      }
      if (!starts_with(s_, j, kArgs)) return;
      const size_t a = skip(j + kArgs.size());
      if (a < s_.size() && s_[a] != '{') return;
      const size_t e = a < s_.size() ? json_value_end(s_, a) : npos;
      if (a < s_.size()) c.arguments = minify_json(s_.substr(a, (e == npos ? s_.size() : e) - a));
      c.complete = e != npos;
      out_.calls.push_back(std::move(c));
      if (e == npos) return;
      const size_t r = skip(e);
      if (!starts_with(s_, r, kMistralTag)) return;
      q = skip(r + kMistralTag.size());
    }
  }

  // A JSON string token at i decoded, or false when it is not complete (or not valid).
  bool string_at(size_t i, size_t* end, std::string* value) const {
    if (i >= s_.size() || s_[i] != '"') return false;
    for (size_t k = i + 1; k < s_.size(); ++k) {
      if (s_[k] == '\\') {
        ++k;
      } else if (s_[k] == '"') {
        try {
          *value = nlohmann::json::parse(s_.substr(i, k + 1 - i)).get<std::string>();
        } catch (const nlohmann::json::exception&) {
          return false;
        }
        *end = k + 1;
        return true;
      }
    }
    return false;
  }

  // {"name": ..., "arguments" | "parameters": {...}, "id": ...} at q, members in any order.
  // Records the call as far as it goes and returns the index after it, or npos when it is not
  // complete yet or has another shape (then it is not recorded beyond what is certain).
  size_t call_object(size_t q, bool need_known, bool hold) {
    PartialCall c;
    c.hold = hold;
    std::set<std::string> seen;
    auto partial = [&] {
      out_.calls.push_back(c);
      return npos;
    };
    size_t i = skip(q + 1);
    for (;;) {
      if (i == s_.size()) return partial();
      if (s_[i] == '}') {
        if (!c.named) return npos;
        c.complete = true;
        out_.calls.push_back(c);
        return i + 1;
      }
      std::string key;
      size_t e = 0;
      if (s_[i] != '"') return npos;
      if (!string_at(i, &e, &key)) return partial();
      if (!seen.insert(key).second) return npos;  // a repeated key: the last one counts
      i = skip(e);
      if (i == s_.size()) return partial();
      if (s_[i] != ':') return npos;
      i = skip(i + 1);
      if (i == s_.size()) return partial();
      if (key == "name" || key == "id") {
        std::string v;
        if (s_[i] != '"') return npos;
        if (!string_at(i, &e, &v)) return partial();
        if (key == "id") {
          c.id = v;
        } else {
          if (need_known && std::find(known_.begin(), known_.end(), v) == known_.end()) return npos;
          c.name = v;
          c.named = true;
        }
        i = e;
      } else if (key == "arguments" || key == "parameters") {
        if (seen.count(key == "arguments" ? "parameters" : "arguments")) return npos;
        if (s_[i] != '{') return npos;  // a string (OpenAI's form): left to the final parse
        e = json_value_end(s_, i);
        c.arguments = minify_json(s_.substr(i, (e == npos ? s_.size() : e) - i));
        if (e == npos) return partial();
        i = e;
      } else {
        return npos;  // {"function": ...}, {"tool_calls": ...}, or not a call
      }
      i = skip(i);
      if (i == s_.size()) return partial();
      if (s_[i] == ',')
        i = skip(i + 1);
      else if (s_[i] != '}')
        return npos;
    }
  }

  std::string_view s_;
  ToolFormat f_;
  const std::vector<std::string>& known_;
  PartialReply out_;
};

}  // namespace

PartialReply scan_partial_reply(std::string_view text, ToolFormat format,
                                const std::vector<std::string>& known_names) {
  return Scanner(text, format, known_names).run();
}

}  // namespace hearth::toolcall

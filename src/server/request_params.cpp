#include "server/request_params.hpp"

#include <cmath>
#include <limits>

#include "grammar/json_schema.hpp"
#include "hearth/error.hpp"
#include "server/api_error.hpp"
#include "toolcall/tool_prompt.hpp"

namespace hearth::server {

using nlohmann::json;

json parse_json_body(const std::string& body) {
  json j;
  try {
    // The parser is iterative, but the depth is still capped: nothing a client sends should
    // grow without bound.
    j = json::parse(body, [](int depth, json::parse_event_t, json&) {
      if (depth > kMaxJsonDepth)
        throw ApiError(400, "the JSON body is nested more than " + std::to_string(kMaxJsonDepth) +
                                " levels deep");
      return true;
    });
  } catch (const ApiError&) {
    throw;
  } catch (const json::exception& e) {
    throw ApiError(400, std::string("malformed JSON body: ") + e.what(), "", "invalid_json");
  }
  if (!j.is_object()) throw ApiError(400, "the JSON body must be an object", "", "invalid_json");
  return j;
}

namespace {

[[noreturn]] void bad(const std::string& param, const std::string& what) {
  throw ApiError(400, "'" + param + "' " + what, param, "invalid_parameter");
}

bool present(const json& b, const char* k) {
  return b.contains(k) && !b[k].is_null();
}

double get_number(const json& b, const char* k, double lo, double hi) {
  const json& v = b[k];
  if (!v.is_number()) bad(k, "must be a number");
  const double d = v.get<double>();
  if (!std::isfinite(d) || d < lo || d > hi)
    bad(k, "must be between " + json(lo).dump() + " and " + json(hi).dump());
  return d;
}

int64_t get_int(const json& b, const char* k, int64_t lo, int64_t hi) {
  const json& v = b[k];
  if (!v.is_number_integer() &&
      !(v.is_number_float() && std::floor(v.get<double>()) == v.get<double>()))
    bad(k, "must be an integer");
  const double d = v.get<double>();
  if (!(d >= static_cast<double>(lo) && d <= static_cast<double>(hi)))
    bad(k, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return static_cast<int64_t>(d);
}

bool get_bool(const json& b, const char* k) {
  if (!b[k].is_boolean()) bad(k, "must be a boolean");
  return b[k].get<bool>();
}

std::string get_string(const json& b, const char* k) {
  if (!b[k].is_string()) bad(k, "must be a string");
  return b[k].get<std::string>();
}

// Fields both endpoints share.
void parse_common(const json& b, GenerationParams& p) {
  if (present(b, "model")) p.model = get_string(b, "model");
  p.sampler.temperature = 1.0f;  // OpenAI's default
  p.sampler.penalty_last_n = 64;
  if (present(b, "temperature"))
    p.sampler.temperature = static_cast<float>(get_number(b, "temperature", 0, 2));
  if (present(b, "top_p")) {
    p.sampler.top_p = static_cast<float>(get_number(b, "top_p", 0, 1));
    if (p.sampler.top_p <= 0) bad("top_p", "must be greater than 0");
  }
  if (present(b, "top_k")) p.sampler.top_k = static_cast<int>(get_int(b, "top_k", 0, 1 << 20));
  if (present(b, "min_p")) p.sampler.min_p = static_cast<float>(get_number(b, "min_p", 0, 1));
  if (present(b, "presence_penalty"))
    p.sampler.presence_penalty = static_cast<float>(get_number(b, "presence_penalty", -2, 2));
  if (present(b, "frequency_penalty"))
    p.sampler.frequency_penalty = static_cast<float>(get_number(b, "frequency_penalty", -2, 2));
  if (present(b, "seed"))
    p.sampler.seed =
        static_cast<uint64_t>(get_int(b, "seed", std::numeric_limits<int64_t>::min() / 2,
                                      std::numeric_limits<int64_t>::max() / 2));
  if (present(b, "logit_bias")) {
    const json& lb = b["logit_bias"];
    if (!lb.is_object()) bad("logit_bias", "must be an object of token id -> bias");
    if (lb.size() > 1024) bad("logit_bias", "has more than 1024 entries");
    for (const auto& [k, v] : lb.items()) {
      size_t used = 0;
      long id = -1;
      try {
        id = std::stol(k, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != k.size() || id < 0 || id > std::numeric_limits<int32_t>::max())
        bad("logit_bias", "keys must be token ids");
      if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < -100 ||
          v.get<double>() > 100)
        bad("logit_bias", "values must be numbers between -100 and 100");
      // OpenAI: -100 bans the token.
      const float bias = v.get<double>() <= -100 ? -INFINITY : static_cast<float>(v.get<double>());
      p.sampler.logit_bias.push_back({static_cast<int32_t>(id), bias});
    }
  }
  if (present(b, "stop")) {
    const json& s = b["stop"];
    if (s.is_string()) {
      p.stop.push_back(s.get<std::string>());
    } else if (s.is_array()) {
      if (s.size() > 16) bad("stop", "has more than 16 entries");
      for (const auto& x : s) {
        if (!x.is_string()) bad("stop", "must be a string or an array of strings");
        p.stop.push_back(x.get<std::string>());
      }
    } else {
      bad("stop", "must be a string or an array of strings");
    }
    for (const auto& x : p.stop)
      if (x.empty()) bad("stop", "must not contain empty strings");
  }
  if (present(b, "n")) p.n = static_cast<int>(get_int(b, "n", 1, kMaxChoices));
  if (present(b, "stream")) p.stream = get_bool(b, "stream");
  if (present(b, "stream_options")) {
    const json& so = b["stream_options"];
    if (!so.is_object()) bad("stream_options", "must be an object");
    if (present(so, "include_usage")) {
      if (!so["include_usage"].is_boolean())
        bad("stream_options.include_usage", "must be a boolean");
      p.include_usage = so["include_usage"].get<bool>();
    }
  }
  if (present(b, "user")) p.user = get_string(b, "user");
  if (present(b, "max_tokens"))
    p.max_tokens = static_cast<int>(get_int(b, "max_tokens", 1, 1 << 24));
}

std::string content_text(const json& c, const std::string& param) {
  if (c.is_string()) return c.get<std::string>();
  if (c.is_null()) return "";
  if (!c.is_array()) bad(param, "must be a string or an array of content parts");
  std::string text;
  for (const auto& part : c) {
    if (!part.is_object() || !part.contains("type") || !part["type"].is_string())
      bad(param, "parts must be objects with a \"type\"");
    if (part["type"] != "text")
      bad(param,
          "part type '" + part["type"].get<std::string>() + "' is not supported (text only)");
    if (!part.contains("text") || !part["text"].is_string())
      bad(param, "text parts need a string \"text\"");
    text += part["text"].get<std::string>();
  }
  return text;
}

std::string tool_calls_of(const json& calls, const std::string& param) {
  try {
    return toolcall::template_tool_calls(calls.dump());
  } catch (const Error& e) {
    bad(param, std::string("is invalid: ") + e.what());
  }
}

// response_format: {"type": "text" | "json_object"} or {"type": "json_schema", "json_schema":
// {"name", "schema", "strict"}}. A schema the grammar converter cannot enforce is an error with
// strict: true; without strict (best effort in OpenAI's terms) any JSON object is enforced.
void parse_response_format(const json& b, GenerationParams& p) {
  const json& rf = b["response_format"];
  if (!rf.is_object() || !rf.contains("type") || !rf["type"].is_string())
    bad("response_format", "must be an object with a \"type\"");
  const std::string type = rf["type"].get<std::string>();
  if (type == "text") return;
  if (type == "json_object") {
    p.response_grammar = grammar::json_object_grammar();
    return;
  }
  if (type != "json_schema")
    bad("response_format.type", "must be \"text\", \"json_object\" or \"json_schema\"");
  if (!rf.contains("json_schema") || !rf["json_schema"].is_object())
    bad("response_format.json_schema", "must be an object with a \"schema\"");
  const json& js = rf["json_schema"];
  const bool strict = present(js, "strict") && get_bool(js, "strict");
  if (!js.contains("schema") || !(js["schema"].is_object() || js["schema"].is_boolean()))
    bad("response_format.json_schema.schema", "must be a JSON Schema object");
  try {
    p.response_grammar = grammar::json_schema_to_gbnf(js["schema"].dump());
  } catch (const Error& e) {
    if (strict)
      bad("response_format.json_schema.schema", std::string("cannot be enforced: ") + e.what());
    p.response_grammar = grammar::json_object_grammar();
  }
}

void parse_tools_and_format(const json& b, GenerationParams& p) {
  if (present(b, "tools")) {
    if (!b["tools"].is_array()) bad("tools", "must be an array");
    if (b["tools"].size() > 128) bad("tools", "has more than 128 entries");
    try {
      p.tools = toolcall::parse_tools(b["tools"].dump());
    } catch (const Error& e) {
      bad("tools", std::string("is invalid: ") + e.what());
    }
  }
  if (present(b, "tool_choice")) {
    try {
      p.tool_choice = toolcall::parse_tool_choice(b["tool_choice"].dump(), p.tools);
    } catch (const Error& e) {
      bad("tool_choice", std::string("is invalid: ") + e.what());
    }
  }
  if (present(b, "parallel_tool_calls")) p.parallel_tool_calls = get_bool(b, "parallel_tool_calls");
  if (present(b, "response_format")) parse_response_format(b, p);
}

}  // namespace

GenerationParams parse_chat_request(const json& b) {
  GenerationParams p;
  p.chat = true;
  parse_common(b, p);
  if (present(b, "max_completion_tokens"))
    p.max_tokens = static_cast<int>(get_int(b, "max_completion_tokens", 1, 1 << 24));
  if (!b.contains("messages") || !b["messages"].is_array() || b["messages"].empty())
    bad("messages", "must be a non-empty array");
  const json& msgs = b["messages"];
  for (size_t i = 0; i < msgs.size(); ++i) {
    const std::string param = "messages[" + std::to_string(i) + "]";
    const json& m = msgs[i];
    if (!m.is_object()) bad(param, "must be an object");
    if (!m.contains("role") || !m["role"].is_string()) bad(param + ".role", "must be a string");
    const std::string role = m["role"].get<std::string>();
    if (role != "system" && role != "user" && role != "assistant" && role != "developer" &&
        role != "tool")
      bad(param + ".role", "must be system, developer, user, assistant or tool");
    const bool has_calls = role == "assistant" && present(m, "tool_calls");
    if (!m.contains("content") && !has_calls) bad(param + ".content", "is required");
    tmpl::ChatMessage cm{
        role == "developer" ? "system" : role,
        m.contains("content") ? content_text(m["content"], param + ".content") : std::string()};
    if (has_calls) cm.tool_calls_json = tool_calls_of(m["tool_calls"], param + ".tool_calls");
    if (role == "tool" && present(m, "tool_call_id"))
      cm.tool_call_id = get_string(m, "tool_call_id");
    if (role == "tool" && present(m, "name")) cm.name = get_string(m, "name");
    p.messages.push_back(std::move(cm));
  }
  parse_tools_and_format(b, p);
  if (present(b, "logprobs")) p.logprobs = get_bool(b, "logprobs");
  if (present(b, "top_logprobs")) {
    p.top_logprobs = static_cast<int>(get_int(b, "top_logprobs", 0, kMaxTopLogprobs));
    if (!p.logprobs) bad("top_logprobs", "needs logprobs: true");
  }
  return p;
}

GenerationParams parse_completion_request(const json& b) {
  GenerationParams p;
  parse_common(b, p);
  if (!b.contains("prompt")) bad("prompt", "is required");
  const json& pr = b["prompt"];
  if (pr.is_string()) {
    p.prompt = pr.get<std::string>();
  } else if (pr.is_array() && pr.size() == 1 && pr[0].is_string()) {
    p.prompt = pr[0].get<std::string>();
  } else if (pr.is_array() && !pr.empty()) {
    p.prompt_is_tokens = true;
    for (const auto& t : pr) {
      if (!t.is_number_integer() || t.get<int64_t>() < 0 ||
          t.get<int64_t>() > std::numeric_limits<int32_t>::max())
        bad("prompt", "must be a string or an array of token ids (a single prompt)");
      p.prompt_tokens.push_back(static_cast<int32_t>(t.get<int64_t>()));
    }
  } else {
    bad("prompt", "must be a string or a non-empty array of token ids");
  }
  if (!p.prompt_is_tokens && p.prompt.empty()) bad("prompt", "must not be empty");
  if (!present(b, "max_tokens")) p.max_tokens = 16;  // OpenAI's default for completions
  if (present(b, "logprobs")) {
    p.top_logprobs = static_cast<int>(get_int(b, "logprobs", 0, 5));
    p.logprobs = true;
  }
  if (present(b, "echo") && get_bool(b, "echo")) bad("echo", "is not supported");
  if (present(b, "suffix")) bad("suffix", "is not supported");
  if (present(b, "best_of") && get_int(b, "best_of", 1, kMaxChoices) != p.n)
    bad("best_of", "other than n is not supported");
  return p;
}

}  // namespace hearth::server

// hearth batch -m MODEL.gguf [--parallel S] [-n N] [-t THREADS] [--ctx C] [sampling options]
//              < requests.jsonl > results.jsonl
// Runs every request of a JSON-lines file through one engine (continuous batching, S at once)
// and writes one result line per request line, in input order, as soon as it and every line
// before it are done. A bad line gets a result line with "error"; the other lines still run.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "command.hpp"
#include "engine/chat_prompt.hpp"
#include "engine/engine.hpp"
#include "generate_flags.hpp"
#include "hearth/error.hpp"
#include "hearth/model.hpp"
#include "hearth/tokenizer.hpp"

namespace {

using hearth::Status;
using hearth::fail;
using hearth::engine::FinishReason;
using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;  // output keys in the documented order
using namespace hearth::cli;

const char* kUsage =
    "usage: hearth batch -m MODEL.gguf [options] < requests.jsonl > results.jsonl\n"
    "  --parallel S       requests decoded together (default 8)\n"
    "  -n N               default max_tokens of a request (default 128)\n"
    "  -t N               threads (default: one per core)\n"
    "  --ctx C            longest request, prompt + generated (default 2048, capped at the model's)\n"
    "Input lines: {\"id\": ..., \"prompt\": \"...\"} or {\"id\": ..., \"messages\": [{\"role\": ...,\n"
    "\"content\": ...}, ...]} (the model's chat template), optional \"max_tokens\", \"temperature\",\n"
    "\"seed\", \"stop\" (a string or a list). Output lines: {\"id\", \"text\", \"tokens\",\n"
    "\"finish_reason\", \"usage\": {\"prompt_tokens\", \"cached_tokens\", \"completion_tokens\"}}, or\n"
    "{\"id\", \"error\"}. The sampling flags below are every request's defaults.\n";

const char* reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::kStop:
      return "stop";
    case FinishReason::kLength:
      return "length";
    case FinishReason::kCancelled:
      return "cancelled";
    case FinishReason::kDeadline:
      return "deadline";
    case FinishReason::kError:
      return "error";
    case FinishReason::kContentFilter:
      return "content_filter";
    case FinishReason::kNone:
      break;
  }
  return "none";
}

// One input line: the request it became, or why it could not.
struct Line {
  json id;  // null when the line has none (or is not JSON)
  std::shared_ptr<hearth::engine::Request> req;
  std::string error;
};

[[noreturn]] void bad(const std::string& message) {
  fail(Status::kInvalidArgument, message);
}

std::vector<int32_t> prompt_of(const json& j, const hearth::Model& model) {
  const bool has_prompt = j.contains("prompt"), has_messages = j.contains("messages");
  if (has_prompt == has_messages) bad("give exactly one of \"prompt\" and \"messages\"");
  if (has_prompt) {
    if (!j["prompt"].is_string()) bad("\"prompt\" must be a string");
    if (!model.tokenizer()) bad("the model has no tokenizer");
    return model.tokenizer()->encode(j["prompt"].get<std::string>(), true, false);
  }
  const json& ms = j["messages"];
  if (!ms.is_array()) bad("\"messages\" must be a list");
  std::vector<hearth::tmpl::ChatMessage> messages;
  for (const json& m : ms) {
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string() ||
        !m.contains("content") || !m["content"].is_string())
      bad("each message must be {\"role\": string, \"content\": string}");
    messages.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
  }
  return hearth::engine::chat_prompt_tokens(model, messages);
}

// The request of one parsed line over the command line's defaults.
hearth::engine::RequestOptions options_of(const json& j, const hearth::Model& model,
                                          const hearth::GenerateOptions& defaults) {
  hearth::engine::RequestOptions o;
  o.prompt = prompt_of(j, model);
  o.max_tokens = defaults.max_tokens;
  o.sampler = defaults.sampler;
  o.stop_strings = defaults.stop_strings;
  if (j.contains("max_tokens")) {
    if (!j["max_tokens"].is_number_integer()) bad("\"max_tokens\" must be an integer");
    const int64_t n = j["max_tokens"].get<int64_t>();
    if (n <= 0 || n > (1 << 24)) bad(fmt::format("\"max_tokens\" {} is out of range", n));
    o.max_tokens = static_cast<int>(n);
  }
  if (j.contains("temperature")) {
    if (!j["temperature"].is_number()) bad("\"temperature\" must be a number");
    o.sampler.temperature = j["temperature"].get<float>();
  }
  if (j.contains("seed")) {
    if (!j["seed"].is_number_unsigned()) bad("\"seed\" must be a non-negative integer");
    o.sampler.seed = j["seed"].get<uint64_t>();
  }
  if (j.contains("stop")) {
    const json& s = j["stop"];
    o.stop_strings.clear();
    if (s.is_string()) {
      o.stop_strings.push_back(s.get<std::string>());
    } else if (s.is_array()) {
      for (const json& x : s) {
        if (!x.is_string()) bad("\"stop\" must be a string or a list of strings");
        o.stop_strings.push_back(x.get<std::string>());
      }
    } else {
      bad("\"stop\" must be a string or a list of strings");
    }
  }
  return o;
}

Line submit_line(const std::string& text, hearth::engine::Engine& engine,
                 const hearth::GenerateOptions& defaults) {
  Line line;
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    line.error = "the line is not valid JSON";
    return line;
  }
  if (!j.is_object()) {
    line.error = "the line is not a JSON object";
    return line;
  }
  if (j.contains("id")) line.id = j["id"];
  try {
    line.req = engine.submit(options_of(j, engine.model(), defaults));
  } catch (const std::exception& e) {
    line.error = e.what();
  }
  return line;
}

ordered_json result_of(const Line& line) {
  ordered_json out;
  out["id"] = line.id;
  if (!line.req) {
    out["error"] = line.error;
    return out;
  }
  hearth::engine::Request& r = *line.req;
  r.wait(-1);
  std::lock_guard<std::mutex> lock(r.mu);
  std::string text;
  for (const std::string& p : r.pieces) text += p;
  out["text"] = text;
  out["tokens"] = r.tokens;
  out["finish_reason"] = reason_name(r.reason);
  out["usage"] = {{"prompt_tokens", r.usage.prompt_tokens},
                  {"cached_tokens", r.usage.cached_prompt_tokens},
                  {"completion_tokens", static_cast<int>(r.tokens.size())}};
  if (r.reason == FinishReason::kError) out["error"] = r.error;
  return out;
}

int run_batch(const std::vector<std::string>& args) {
  std::string model_path;
  int parallel = 8, threads = 0, n_ctx = 2048;
  hearth::GenerateOptions defaults;
  defaults.max_tokens = 128;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      std::fprintf(stderr, "%s%s", kUsage, kSamplingHelp);
      return 0;
    }
    if (i + 1 >= args.size()) {
      std::fprintf(stderr, "hearth batch: %s needs a value\n%s", a.c_str(), kUsage);
      return 2;
    }
    const std::string& v = args[++i];
    if (a == "-m" || a == "--model")
      model_path = v;
    else if (a == "--parallel")
      parallel = to_int(a, v);
    else if (a == "-n")
      defaults.max_tokens = to_int(a, v);
    else if (a == "-t" || a == "--threads")
      threads = to_int(a, v);
    else if (a == "--ctx" || a == "-c")
      n_ctx = to_int(a, v);
    else if (!parse_generate_flag(a, v, defaults)) {
      std::fprintf(stderr, "hearth batch: unknown option '%s'\n%s%s", a.c_str(), kUsage,
                   kSamplingHelp);
      return 2;
    }
  }
  if (model_path.empty()) {
    std::fprintf(stderr, "%s%s", kUsage, kSamplingHelp);
    return 2;
  }
  if (parallel < 1 || parallel > 4096) bad(fmt::format("--parallel {} is out of range", parallel));
  if (defaults.max_tokens < 1) bad(fmt::format("-n {} must be positive", defaults.max_tokens));
  hearth::validate_sampler_config(defaults.sampler, 0);  // bad flags fail before the model loads

  auto model = hearth::Model::load(hearth::GgufFile::open(model_path));
  hearth::engine::EngineParams ep;
  ep.n_ctx = n_ctx;
  ep.n_threads = threads;
  ep.max_running = parallel;
  ep.token_budget = std::max(512, parallel);
  // Room for S requests of the full context at once, so that S running never preempt.
  const int train = model->config().n_ctx_train;
  const int ctx = train > 0 ? std::min(n_ctx, train) : n_ctx;
  ep.kv_blocks = parallel * ((std::max(ctx, 1) + hearth::engine::kBlockTokens - 1) /
                             hearth::engine::kBlockTokens);
  hearth::engine::Engine engine(model, ep);

  // Every line is queued first (the engine admits them S at a time, in order); results are
  // then written in input order.
  std::vector<Line> lines;
  std::string text;
  while (std::getline(std::cin, text)) {
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) continue;
    lines.push_back(submit_line(text, engine, defaults));
  }
  int n_errors = 0;
  for (const Line& line : lines) {
    const ordered_json out = result_of(line);
    n_errors += out.contains("error") ? 1 : 0;
    const std::string s = out.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
  const hearth::engine::EngineStats st = engine.stats();
  std::fprintf(stderr,
               "hearth batch: %zu requests (%d failed), %llu steps, %llu tokens processed, "
               "%llu preemptions\n",
               lines.size(), n_errors, static_cast<unsigned long long>(st.steps),
               static_cast<unsigned long long>(st.tokens_processed),
               static_cast<unsigned long long>(st.preemptions));
  return 0;
}

const hearth::cli::Register reg{"batch", "run a JSON-lines file of requests, S at a time",
                                &run_batch};

}  // namespace

// Structured output and tool calling through the C ABI (capi/hearth.h, docs/tools.md), on the
// synthetic Qwen2 model (random weights, the real byte-level vocabulary, which can write any
// JSON). Random weights never choose a format on their own, so every check here is one only the
// grammar can make true: sampled at temperature 1 with several seeds, the text must still match
// the grammar (checked with std::regex, an independent reader) and a forced tool call must come
// back parsed with arguments valid against the tool's parameters (checked field by field with
// nlohmann::json; python/tests/test_tools.py checks the same with python3-jsonschema).
// GCC 12 reports -Wmaybe-uninitialized inside libstdc++'s own <regex> (std::function moves in
// _NFA::_M_insert_subexpr_*) in the sanitizer build: a known false positive, not in our code.
// The warning is issued where the templates are instantiated, so it is off for the whole file.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <string>
#include <vector>

#include "hearth.h"
#include "test_data.hpp"

namespace {

using json = nlohmann::json;

const char* kModel = "models/synth/qwen2-d128-q8_0.gguf";

// Two tools with small, fully constrained parameters (an enum, bounded integers) so a random
// model finishes its call within max_tokens.
const char* kTools = R"([
  {"type": "function", "function": {"name": "get_time", "description": "Local time in a city",
   "parameters": {"type": "object", "properties": {"city": {"type": "string",
     "enum": ["Oslo", "Lima", "Tokyo"]}}, "required": ["city"], "additionalProperties": false}}},
  {"type": "function", "function": {"name": "add", "description": "a + b",
   "parameters": {"type": "object", "properties": {"a": {"type": "integer", "minimum": 0,
     "maximum": 99}, "b": {"type": "integer", "minimum": 0, "maximum": 99}},
     "required": ["a", "b"], "additionalProperties": false}}}])";

class CApiTools : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path = hearth::test::data_path(kModel);
    HEARTH_REQUIRE_DATA(path);
    ASSERT_EQ(hearth_model_load(path.c_str(), nullptr, &model_), HEARTH_OK) << hearth_last_error();
    hearth_engine_params ep;
    HEARTH_ENGINE_PARAMS_INIT(&ep);
    ep.n_ctx = 1024;
    ep.n_threads = 2;
    ASSERT_EQ(hearth_engine_create(model_, &ep, &engine_), HEARTH_OK) << hearth_last_error();
  }
  void TearDown() override {
    hearth_engine_free(engine_);
    hearth_model_free(model_);
  }

  // Runs a request to the end; returns its text (pull mode) and the status of submit.
  hearth_status run(const hearth_request_params& p, std::string* text, hearth_request** keep) {
    hearth_request* r = nullptr;
    const hearth_status st = hearth_engine_submit(engine_, &p, &r);
    if (st != HEARTH_OK) return st;
    char buf[4096];
    for (;;) {
      size_t len = 0;
      int finished = 0;
      EXPECT_EQ(hearth_request_next(r, buf, sizeof buf, &len, -1, &finished), HEARTH_OK);
      if (finished) break;
      text->append(buf, len);
    }
    *keep = r;
    return HEARTH_OK;
  }

  hearth_model* model_ = nullptr;
  hearth_engine* engine_ = nullptr;
};

std::string tool_calls_of(hearth_request* r) {
  size_t need = 0;
  EXPECT_EQ(hearth_request_tool_calls(r, nullptr, 0, &need), HEARTH_ERR_BUFFER_TOO_SMALL);
  std::string out(need + 1, '\0');
  size_t len = 0;
  EXPECT_EQ(hearth_request_tool_calls(r, &out[0], out.size(), &len), HEARTH_OK)
      << hearth_last_error();
  out.resize(len);
  return out;
}

// The arguments of one call, checked against kTools' parameters by hand.
void expect_valid_call(const json& call, const std::string& want_name = "") {
  ASSERT_TRUE(call.is_object());
  EXPECT_EQ(call["type"], "function");
  const std::string id = call["id"];
  EXPECT_EQ(id.rfind("call_", 0), 0u) << id;
  const std::string name = call["function"]["name"];
  if (!want_name.empty()) {
    EXPECT_EQ(name, want_name);
  }
  const json args = json::parse(call["function"]["arguments"].get<std::string>());
  ASSERT_TRUE(args.is_object()) << args;
  if (name == "get_time") {
    ASSERT_EQ(args.size(), 1u) << args;
    const std::string city = args.at("city");
    EXPECT_TRUE(city == "Oslo" || city == "Lima" || city == "Tokyo") << city;
  } else {
    ASSERT_EQ(name, "add");
    ASSERT_EQ(args.size(), 2u) << args;
    for (const char* k : {"a", "b"}) {
      ASSERT_TRUE(args.at(k).is_number_integer()) << args;
      EXPECT_GE(args[k].get<int>(), 0);
      EXPECT_LE(args[k].get<int>(), 99);
    }
  }
}

TEST_F(CApiTools, GrammarInSamplerParamsConstrainsTheReply) {
  const std::regex want(R"((yes|no), [0-9]{1,3}\.)");
  int unconstrained_matches = 0;
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    for (const bool with_grammar : {true, false}) {
      hearth_sampler_params sp;
      HEARTH_SAMPLER_PARAMS_INIT(&sp);
      sp.temperature = 1.0f;
      sp.seed = seed;
      if (with_grammar) sp.grammar = "root ::= (\"yes\" | \"no\") \", \" [0-9] [0-9]? [0-9]? \".\"";
      hearth_request_params p;
      HEARTH_REQUEST_PARAMS_INIT(&p);
      p.prompt = "Answer:";
      p.prompt_len = 7;
      p.max_tokens = 24;
      p.sampler = &sp;
      std::string text;
      hearth_request* r = nullptr;
      ASSERT_EQ(run(p, &text, &r), HEARTH_OK) << hearth_last_error();
      hearth_request_outcome out;
      out.struct_size = sizeof out;
      ASSERT_EQ(hearth_request_result(r, &out), HEARTH_OK);
      if (with_grammar) {
        EXPECT_TRUE(std::regex_match(text, want)) << "seed " << seed << ": " << text;
        EXPECT_EQ(out.finish_reason, HEARTH_FINISH_STOP);  // the grammar ended it
        EXPECT_EQ(tool_calls_of(r), "[]");                 // no tools offered
      } else {
        unconstrained_matches += std::regex_match(text, want);
      }
      hearth_request_free(r);
    }
  }
  EXPECT_EQ(unconstrained_matches, 0);  // the model alone never writes this
}

TEST_F(CApiTools, JsonSchemaInSessionSamplerParams) {
  hearth_session* s = nullptr;
  ASSERT_EQ(hearth_session_new(model_, nullptr, &s), HEARTH_OK) << hearth_last_error();
  ASSERT_EQ(hearth_session_add_message(s, "user", "A person as JSON"), HEARTH_OK);
  hearth_sampler_params sp;
  HEARTH_SAMPLER_PARAMS_INIT(&sp);
  sp.temperature = 1.0f;
  sp.seed = 7;
  sp.json_schema = R"({"type": "object", "properties": {"name": {"type": "string", "maxLength": 8},
    "age": {"type": "integer", "minimum": 0, "maximum": 120}, "ok": {"type": "boolean"}},
    "required": ["name", "age", "ok"], "additionalProperties": false})";
  hearth_generate_params gp;
  HEARTH_GENERATE_PARAMS_INIT(&gp);
  gp.max_tokens = 64;
  gp.sampler = &sp;
  std::string text;
  gp.user_data = &text;
  gp.on_token = [](const hearth_generation_event* ev, void* user) {
    static_cast<std::string*>(user)->append(ev->text, ev->text_len);
    return 0;
  };
  hearth_generation_result res;
  res.struct_size = sizeof res;
  ASSERT_EQ(hearth_session_generate(s, &gp, &res), HEARTH_OK) << hearth_last_error();
  EXPECT_EQ(res.stop_reason, HEARTH_STOP_EOG) << text;
  const json v = json::parse(text);
  ASSERT_TRUE(v.is_object()) << text;
  EXPECT_EQ(v.size(), 3u) << text;
  EXPECT_TRUE(v.at("name").is_string());
  size_t chars = 0;  // maxLength counts characters (code points), not UTF-8 bytes
  for (const unsigned char c : v["name"].get<std::string>()) chars += (c & 0xC0) != 0x80;
  EXPECT_LE(chars, 8u) << text;
  EXPECT_TRUE(v.at("age").is_number_integer());
  EXPECT_TRUE(v.at("ok").is_boolean());
  hearth_session_free(s);
}

TEST_F(CApiTools, BadGrammarsAndToolsAreInvalidArguments) {
  hearth_sampler_params sp;
  HEARTH_SAMPLER_PARAMS_INIT(&sp);
  hearth_request_params p;
  HEARTH_REQUEST_PARAMS_INIT(&p);
  const hearth_chat_message msg{"user", "Hi"};
  p.messages = &msg;
  p.n_messages = 1;
  p.sampler = &sp;
  hearth_request* r = nullptr;
  sp.grammar = "root ::= undefined-rule";
  EXPECT_EQ(hearth_engine_submit(engine_, &p, &r), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(hearth_last_error()).find("undefined-rule"), std::string::npos)
      << hearth_last_error();
  sp.grammar = nullptr;
  sp.json_schema = R"({"type": "string", "not": {}})";
  EXPECT_EQ(hearth_engine_submit(engine_, &p, &r), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(hearth_last_error()).find("not"), std::string::npos);
  sp.grammar = "root ::= \"x\"";
  sp.json_schema = "{}";
  EXPECT_EQ(hearth_engine_submit(engine_, &p, &r), HEARTH_ERR_INVALID_ARGUMENT);
  sp.json_schema = nullptr;
  p.tools_json = kTools;  // tools and a grammar both
  EXPECT_EQ(hearth_engine_submit(engine_, &p, &r), HEARTH_ERR_INVALID_ARGUMENT);
  p.sampler = nullptr;
  p.max_tool_calls = 2;
  EXPECT_EQ(hearth_engine_submit(engine_, &p, &r), HEARTH_ERR_INVALID_ARGUMENT);
  p.max_tool_calls = 0;
  p.tool_choice = "no_such_tool";
  EXPECT_EQ(hearth_engine_submit(engine_, &p, &r), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(hearth_last_error()).find("tool_choice"), std::string::npos);
  p.tool_choice = nullptr;
  p.tools_json = "[{\"type\": \"function\"}]";
  EXPECT_EQ(hearth_engine_submit(engine_, &p, &r), HEARTH_ERR_INVALID_ARGUMENT);
  p.tools_json = kTools;  // tools need messages
  p.messages = nullptr;
  p.n_messages = 0;
  p.prompt = "Hi";
  p.prompt_len = 2;
  EXPECT_EQ(hearth_engine_submit(engine_, &p, &r), HEARTH_ERR_INVALID_ARGUMENT);
  // hearth_generate has no conversation to put tools in.
  hearth_context* ctx = nullptr;
  ASSERT_EQ(hearth_context_new(model_, nullptr, &ctx), HEARTH_OK);
  hearth_generate_params gp;
  HEARTH_GENERATE_PARAMS_INIT(&gp);
  gp.tools_json = kTools;
  const hearth_token tok = 9707;
  EXPECT_EQ(hearth_generate(ctx, &tok, 1, &gp, nullptr), HEARTH_ERR_INVALID_ARGUMENT);
  hearth_context_free(ctx);
}

TEST_F(CApiTools, ForcedToolCallThroughTheEngineComesBackParsed) {
  const hearth_chat_message msgs[] = {{"system", "You can use tools."}, {"user", "What is 2 + 3?"}};
  for (const char* choice : {"add", "get_time", "required"}) {
    for (uint64_t seed : {3u, 11u}) {
      hearth_sampler_params sp;
      HEARTH_SAMPLER_PARAMS_INIT(&sp);
      sp.temperature = 1.0f;
      sp.seed = seed;
      hearth_request_params p;
      HEARTH_REQUEST_PARAMS_INIT(&p);
      p.messages = msgs;
      p.n_messages = 2;
      p.max_tokens = 200;
      p.sampler = &sp;
      p.tools_json = kTools;
      p.tool_choice = choice;
      p.max_tool_calls = seed == 11u ? 1 : 0;  // one call, or up to 8
      std::string text;
      hearth_request* r = nullptr;
      ASSERT_EQ(run(p, &text, &r), HEARTH_OK) << hearth_last_error();
      // The synthetic model's template takes no tools: calls are written as Hermes blocks.
      EXPECT_EQ(text.rfind("<tool_call>\n", 0), 0u) << text;
      const json calls = json::parse(tool_calls_of(r));
      ASSERT_TRUE(calls.is_array());
      ASSERT_GE(calls.size(), 1u) << text;
      if (p.max_tool_calls == 1) {
        EXPECT_EQ(calls.size(), 1u) << text;
      }
      for (const json& c : calls)
        expect_valid_call(c, std::string(choice) == "required" ? "" : choice);
      EXPECT_EQ(json::parse(tool_calls_of(r)), calls);  // the same ids on every read
      hearth_request_free(r);
    }
  }
}

TEST_F(CApiTools, ToolCallsBeforeTheRequestFinishedIsAnError) {
  const hearth_chat_message msg{"user", "Hi"};
  hearth_request_params p;
  HEARTH_REQUEST_PARAMS_INIT(&p);
  p.messages = &msg;
  p.n_messages = 1;
  p.max_tokens = 200;
  p.tools_json = kTools;
  hearth_request* r = nullptr;
  ASSERT_EQ(hearth_engine_submit(engine_, &p, &r), HEARTH_OK) << hearth_last_error();
  size_t len = 0;
  int finished = 0;
  ASSERT_EQ(hearth_request_wait(r, 0, &finished), HEARTH_OK);
  if (!finished) {
    char buf[8];
    EXPECT_EQ(hearth_request_tool_calls(r, buf, sizeof buf, &len), HEARTH_ERR_INVALID_ARGUMENT);
  }
  hearth_request_free(r);
}

TEST_F(CApiTools, SessionToolLoop) {
  hearth_session* s = nullptr;
  ASSERT_EQ(hearth_session_new(model_, nullptr, &s), HEARTH_OK) << hearth_last_error();
  ASSERT_EQ(hearth_session_add_message(s, "user", "Add 2 and 3."), HEARTH_OK);
  hearth_sampler_params sp;
  HEARTH_SAMPLER_PARAMS_INIT(&sp);
  sp.temperature = 1.0f;
  sp.seed = 5;
  hearth_generate_params gp;
  HEARTH_GENERATE_PARAMS_INIT(&gp);
  gp.max_tokens = 200;
  gp.sampler = &sp;
  gp.tools_json = kTools;
  gp.tool_choice = "add";
  gp.max_tool_calls = 1;
  ASSERT_EQ(hearth_session_generate(s, &gp, nullptr), HEARTH_OK) << hearth_last_error();
  char buf[1024];
  size_t len = 0;
  ASSERT_EQ(hearth_session_tool_calls(s, buf, sizeof buf, &len), HEARTH_OK);
  const json calls = json::parse(std::string(buf, len));
  ASSERT_EQ(calls.size(), 1u) << calls;  // max_tool_calls 1
  expect_valid_call(calls[0], "add");
  // The result goes back as a tool message; with tool_choice "none" the reply is text.
  ASSERT_EQ(hearth_session_add_message(s, "tool", "5"), HEARTH_OK);
  gp.tool_choice = "none";
  gp.max_tokens = 8;
  ASSERT_EQ(hearth_session_generate(s, &gp, nullptr), HEARTH_OK) << hearth_last_error();
  ASSERT_EQ(hearth_session_tool_calls(s, buf, sizeof buf, &len), HEARTH_OK);
  EXPECT_EQ(std::string(buf, len), "[]");
  hearth_session_free(s);
}

}  // namespace

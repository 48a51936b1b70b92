// Tool calling (src/toolcall/, docs/tools.md): replies in each family's format read back into
// calls, the grammars that force valid calls, and the lazy grammar trigger.
//
// The recorded replies are written by hand from each family's own documentation of its format:
// the chat templates in testdata/templates render earlier calls exactly as the model writes
// them (Qwen-Qwen2.5-7B-Instruct.jinja and NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja:
// <tool_call>\n{"name": ..., "arguments": ...}\n</tool_call>; meta-llama-Llama-3.1-8B-Instruct
// .jinja: {"name": ..., "parameters": ...} and <|python_tag|>f.call(k=v); Meta's Llama 3.2 model
// card: [f(k=v), ...]; mistralai-Mistral-Nemo-Instruct-2407.jinja: [TOOL_CALLS][{...}];
// Mistral-Small-3.2-24B-Instruct-2506.jinja: [TOOL_CALLS]f[CALL_ID]id[ARGS]{...}).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "grammar/gbnf.hpp"
#include "grammar/grammar_state.hpp"
#include "grammar/token_trie.hpp"
#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "hearth/model.hpp"
#include "hearth/tokenizer.hpp"
#include "sampler/sampler_chain.hpp"
#include "test_data.hpp"
#include "toolcall/tool_grammar.hpp"
#include "toolcall/tool_parser.hpp"
#include "toolcall/tool_prompt.hpp"
#include "toolcall/tool_spec.hpp"
#include "toolcall/tool_stream.hpp"

namespace {

using namespace hearth::toolcall;
using json = nlohmann::json;

json args(const ToolCall& c) {
  return json::parse(c.arguments);
}

TEST(ToolParser, HermesQwenBlocks) {
  const ParsedReply r = parse_tool_reply(
      "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\", \"days\": "
      "3}}\n</tool_call>\n<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": "
      "2}}\n</tool_call>",
      ToolFormat::kHermes);
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.calls.size(), 2u);
  EXPECT_EQ(r.calls[0].name, "get_weather");
  EXPECT_EQ(args(r.calls[0]), json({{"city", "Oslo"}, {"days", 3}}));
  EXPECT_EQ(r.calls[1].name, "add");
  EXPECT_EQ(args(r.calls[1]), json({{"a", 1}, {"b", 2}}));
  EXPECT_EQ(r.content, "");
}

TEST(ToolParser, HermesTextAroundAndStringArguments) {
  const ParsedReply r = parse_tool_reply(
      "Let me check.\n<tool_call>\n{\"name\": \"add\", \"arguments\": \"{\\\"a\\\": 5}\"}\n"
      "</tool_call>",
      ToolFormat::kHermes);
  ASSERT_EQ(r.calls.size(), 1u) << r.error;
  EXPECT_EQ(args(r.calls[0]), json({{"a", 5}}));
  EXPECT_EQ(r.content, "Let me check.");
}

TEST(ToolParser, HermesMalformedIsContentWithError) {
  const std::string cut = "<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\":";
  for (const std::string& text :
       {cut, std::string("<tool_call>\n{\"arguments\": {}}\n</tool_call>"),
        std::string("<tool_call>\n{\"name\": \"add\", \"arguments\": [1]}\n</tool_call>"),
        std::string("<tool_call>\nnot json\n</tool_call>"),
        std::string("<tool_call>\n{\"name\": \"add\"} trailing words </tool_call>")}) {
    const ParsedReply r = parse_tool_reply(text, ToolFormat::kHermes);
    EXPECT_TRUE(r.calls.empty()) << text;
    EXPECT_FALSE(r.error.empty()) << text;
    EXPECT_EQ(r.content, text);
  }
  // Deep nesting is refused, not recursed into.
  const std::string deep = "<tool_call>" + std::string(100000, '[') + std::string(100000, ']');
  EXPECT_FALSE(parse_tool_reply(deep, ToolFormat::kHermes).error.empty());
}

TEST(ToolParser, PlainTextIsContent) {
  for (ToolFormat f : {ToolFormat::kHermes, ToolFormat::kLlama3, ToolFormat::kMistral,
                       ToolFormat::kMistralArgs, ToolFormat::kGeneric}) {
    const ParsedReply r = parse_tool_reply("  It is sunny in Oslo [today]. {ok}\n", f);
    EXPECT_TRUE(r.calls.empty()) << format_name(f);
    EXPECT_TRUE(r.error.empty()) << format_name(f);
    EXPECT_EQ(r.content, "It is sunny in Oslo [today]. {ok}") << format_name(f);
  }
}

TEST(ToolParser, Llama3JsonAndPythonTag) {
  ParsedReply r = parse_tool_reply(
      "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Oslo\"}}", ToolFormat::kLlama3);
  ASSERT_EQ(r.calls.size(), 1u) << r.error;
  EXPECT_EQ(r.calls[0].name, "get_weather");
  EXPECT_EQ(args(r.calls[0]), json({{"city", "Oslo"}}));

  r = parse_tool_reply(
      "<|python_tag|>brave_search.call(query=\"weather in Oslo\", n=3, "
      "safe=True, extra=None)<|eom_id|>",
      ToolFormat::kLlama3);
  ASSERT_EQ(r.calls.size(), 1u) << r.error;
  EXPECT_EQ(r.calls[0].name, "brave_search");
  EXPECT_EQ(args(r.calls[0]),
            json({{"query", "weather in Oslo"}, {"n", 3}, {"safe", true}, {"extra", nullptr}}));

  r = parse_tool_reply(
      "<|python_tag|>{\"name\": \"add\", \"parameters\": {\"a\": 1}}; "
      "{\"name\": \"add\", \"parameters\": {\"a\": 2}}",
      ToolFormat::kLlama3);
  ASSERT_EQ(r.calls.size(), 2u) << r.error;
  EXPECT_EQ(args(r.calls[1]), json({{"a", 2}}));

  // Llama 3.2's list of Python calls.
  r = parse_tool_reply("[get_weather(city='Oslo'), add(a=1, b=2.5)]", ToolFormat::kLlama3,
                       {"get_weather", "add"});
  ASSERT_EQ(r.calls.size(), 2u) << r.error;
  EXPECT_EQ(args(r.calls[1]), json({{"a", 1}, {"b", 2.5}}));

  r = parse_tool_reply("<|python_tag|>brave_search.call(query=", ToolFormat::kLlama3);
  EXPECT_TRUE(r.calls.empty());
  EXPECT_FALSE(r.error.empty());
}

TEST(ToolParser, MistralBothGenerations) {
  ParsedReply r = parse_tool_reply(
      "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}, \"id\": "
      "\"abcDEF123\"}, {\"name\": \"add\", \"arguments\": {\"a\": 1}, \"id\": \"xyzXYZ789\"}]",
      ToolFormat::kMistral);
  ASSERT_EQ(r.calls.size(), 2u) << r.error;
  EXPECT_EQ(r.calls[0].id, "abcDEF123");
  EXPECT_EQ(r.calls[1].name, "add");

  r = parse_tool_reply(
      "[TOOL_CALLS]get_weather[CALL_ID]abcDEF123[ARGS]{\"city\": \"Oslo\"}[TOOL_CALLS]add[ARGS]"
      "{\"a\": 1}",
      ToolFormat::kMistralArgs);
  ASSERT_EQ(r.calls.size(), 2u) << r.error;
  EXPECT_EQ(r.calls[0].name, "get_weather");
  EXPECT_EQ(r.calls[0].id, "abcDEF123");
  EXPECT_EQ(args(r.calls[0]), json({{"city", "Oslo"}}));
  EXPECT_EQ(r.calls[1].id, "");

  r = parse_tool_reply("[TOOL_CALLS]get_weather{\"city\": 1}", ToolFormat::kMistralArgs);
  EXPECT_TRUE(r.calls.empty());
  EXPECT_FALSE(r.error.empty());
}

TEST(ToolParser, GenericJsonFallback) {
  ParsedReply r = parse_tool_reply(
      "```json\n{\"tool_calls\": [{\"function\": {\"name\": \"add\", \"arguments\": "
      "\"{\\\"a\\\": 1}\"}}]}\n```",
      ToolFormat::kGeneric);
  ASSERT_EQ(r.calls.size(), 1u) << r.error;
  EXPECT_EQ(args(r.calls[0]), json({{"a", 1}}));
  r = parse_tool_reply("[{\"name\": \"a\"}, {\"name\": \"b\", \"arguments\": {}}]",
                       ToolFormat::kGeneric);
  ASSERT_EQ(r.calls.size(), 2u) << r.error;
  EXPECT_EQ(r.calls[0].arguments, "{}");
  // JSON that is not a call stays content.
  r = parse_tool_reply("{\"answer\": 42}", ToolFormat::kGeneric);
  EXPECT_TRUE(r.calls.empty());
  EXPECT_EQ(r.content, "{\"answer\": 42}");
  // Other formats accept a bare call only when it names an offered tool.
  r = parse_tool_reply("{\"name\": \"add\", \"arguments\": {\"a\": 1}}", ToolFormat::kHermes,
                       {"add"});
  EXPECT_EQ(r.calls.size(), 1u);
  r = parse_tool_reply("{\"name\": \"Bob\", \"arguments\": {}}", ToolFormat::kHermes, {"add"});
  EXPECT_TRUE(r.calls.empty());
}

const char* kTools = R"([
  {"type": "function", "function": {"name": "get_weather", "description": "Weather",
   "parameters": {"type": "object", "properties": {"city": {"type": "string", "enum": ["Oslo", "Paris"]},
   "days": {"type": "integer", "minimum": 1, "maximum": 7}}, "required": ["city", "days"],
   "additionalProperties": false}}},
  {"type": "function", "function": {"name": "add", "parameters": {"type": "object",
   "properties": {"a": {"type": "integer"}}, "required": ["a"], "additionalProperties": false}}}])";

TEST(ToolSpec, ValidatesToolsAndChoice) {
  const auto tools = parse_tools(kTools);
  ASSERT_EQ(tools.size(), 2u);
  EXPECT_EQ(parse_tool_choice("\"required\"", tools).mode, ChoiceMode::kRequired);
  EXPECT_EQ(
      parse_tool_choice("{\"type\": \"function\", \"function\": {\"name\": \"add\"}}", tools).name,
      "add");
  EXPECT_THROW(
      parse_tool_choice("{\"type\": \"function\", \"function\": {\"name\": \"x\"}}", tools),
      hearth::Error);
  EXPECT_THROW(parse_tool_choice("\"sometimes\"", tools), hearth::Error);
  EXPECT_THROW(parse_tools("[{\"type\": \"function\", \"function\": {\"name\": \"a b\"}}]"),
               hearth::Error);
  EXPECT_THROW(parse_tools("[{\"type\": \"function\", \"function\": {\"name\": \"a\"}}, "
                           "{\"type\": \"function\", \"function\": {\"name\": \"a\"}}]"),
               hearth::Error);
  EXPECT_THROW(parse_tools("{}"), hearth::Error);
}

// Text through a grammar one byte per token: whether the grammar admits it in full.
bool grammar_admits(const std::string& gbnf, const std::string& text, bool must_end = true) {
  std::vector<std::string> pieces(256);
  for (int b = 1; b < 256; ++b) pieces[b] = std::string(1, static_cast<char>(b));
  pieces[0] = "<eos>";
  std::vector<bool> eog(256, false);
  eog[0] = true;
  auto trie = std::make_shared<const hearth::grammar::TokenTrie>(pieces, eog);
  hearth::grammar::GrammarState st(hearth::grammar::parse_gbnf(gbnf), trie);
  for (unsigned char c : text)
    if (!st.allows(c))
      return false;
    else
      st.accept(c);
  return !must_end || st.can_end();
}

TEST(ToolGrammar, ForcesValidCallsPerFormat) {
  const auto tools = parse_tools(kTools);
  ToolChoice required;
  required.mode = ChoiceMode::kRequired;
  const ToolGrammar h = tool_call_grammar(tools, required, ToolFormat::kHermes);
  EXPECT_TRUE(h.triggers.empty());
  const std::string ok =
      "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\", \"days\": "
      "3}}\n</tool_call>";
  EXPECT_TRUE(grammar_admits(h.gbnf, ok));
  EXPECT_TRUE(grammar_admits(h.gbnf, ok + "\n<tool_call>\n{\"name\": \"add\", \"arguments\": "
                                          "{\"a\": -4}}\n</tool_call>"));
  // What the parser reads back from an admitted text is the same call.
  const ParsedReply back = parse_tool_reply(ok, ToolFormat::kHermes);
  ASSERT_EQ(back.calls.size(), 1u);
  EXPECT_EQ(args(back.calls[0]), json({{"city", "Oslo"}, {"days", 3}}));
  // Unknown tool, argument outside the schema, missing required argument, extra key.
  EXPECT_FALSE(grammar_admits(h.gbnf, "<tool_call>\n{\"name\": \"rm\"", false));
  EXPECT_FALSE(grammar_admits(h.gbnf,
                              "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": "
                              "{\"city\": \"Rome\"",
                              false));
  EXPECT_FALSE(grammar_admits(h.gbnf,
                              "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": "
                              "{\"city\": \"Oslo\", \"days\": 9}",
                              false));
  EXPECT_FALSE(grammar_admits(h.gbnf, "<tool_call>\n{\"name\": \"add\", \"arguments\": {}}"));
  EXPECT_FALSE(grammar_admits(h.gbnf, "Sure! <tool_call>", false));  // required: no free text

  ToolChoice named;
  named.mode = ChoiceMode::kNamed;
  named.name = "add";
  const ToolGrammar n = tool_call_grammar(tools, named, ToolFormat::kLlama3, false);
  EXPECT_TRUE(grammar_admits(n.gbnf, "{\"name\": \"add\", \"parameters\": {\"a\": 7}}"));
  EXPECT_TRUE(
      grammar_admits(n.gbnf, "<|python_tag|>{\"name\": \"add\", \"parameters\": {\"a\": 7}}"));
  EXPECT_FALSE(grammar_admits(n.gbnf, "{\"name\": \"get_weather\"", false));

  const ToolGrammar m = tool_call_grammar(tools, required, ToolFormat::kMistralArgs);
  EXPECT_TRUE(
      grammar_admits(m.gbnf, "[TOOL_CALLS]add[ARGS]{\"a\": 1}[TOOL_CALLS]add[ARGS]{\"a\": 2}"));
  const ToolGrammar m3 = tool_call_grammar(tools, required, ToolFormat::kMistral);
  EXPECT_TRUE(grammar_admits(m3.gbnf,
                             "[TOOL_CALLS][{\"name\": \"add\", \"arguments\": {\"a\": 1}}, "
                             "{\"name\": \"add\", \"arguments\": {\"a\": 2}}]"));

  ToolChoice autoc;
  const ToolGrammar a = tool_call_grammar(tools, autoc, ToolFormat::kHermes);
  EXPECT_EQ(a.triggers, std::vector<std::string>{"<tool_call>"});
  ToolChoice none;
  none.mode = ChoiceMode::kNone;
  EXPECT_TRUE(tool_call_grammar(tools, none, ToolFormat::kHermes).gbnf.empty());
  // Parameters the converter cannot enforce: an error naming the tool.
  const auto bad = parse_tools(
      R"([{"type": "function", "function": {"name": "f", "parameters": {"not": {}}}}])");
  try {
    (void)tool_call_grammar(bad, required, ToolFormat::kHermes);
    FAIL() << "no error";
  } catch (const hearth::Error& e) {
    EXPECT_NE(std::string(e.what()).find("tool 'f'"), std::string::npos) << e.what();
  }
}

// What a client accumulates from a stream, as OpenAI's clients do: content concatenated, each
// call's id and name from its first delta and its arguments concatenated.
struct Accumulated {
  std::string content;
  std::vector<ToolCall> calls;
  std::vector<std::string> order;  // "open k" / "args k": the order the pieces came in
  void add(const ToolDelta& d) {
    content += d.content;
    for (const auto& c : d.calls) {
      if (c.opens) {
        ASSERT_EQ(c.index, calls.size()) << "calls open in order, once";
        calls.push_back({c.id, c.name, ""});
        order.push_back("open " + std::to_string(c.index));
      } else {
        ASSERT_LT(c.index, calls.size()) << "arguments before the call opened";
        calls[c.index].arguments += c.arguments;
        order.push_back("args " + std::to_string(c.index));
      }
    }
  }
};

// Streams `reply` in pieces of `step` bytes; returns what a client has at the end.
Accumulated stream_in_pieces(const std::string& reply, ToolFormat f, size_t step,
                             const std::vector<std::string>& names, bool eager = false,
                             std::string* content_before_end = nullptr) {
  ToolStream s(f, eager, names);
  Accumulated a;
  for (size_t i = 0; i < reply.size(); i += step) a.add(s.push(reply.substr(i, step)));
  if (content_before_end) *content_before_end = a.content;
  a.add(s.finish());
  return a;
}

// Replies in every format: streamed in any piece size, the accumulated calls equal what
// parse_tool_reply reads from the whole reply (the non-streamed answer), and no text of a call
// ever arrives as content.
TEST(ToolStream, AccumulatesToTheParsedReplyInEveryFormat) {
  const std::vector<std::string> names = {"get_weather", "add"};
  struct Case {
    ToolFormat f;
    std::string reply;
  };
  const std::vector<Case> cases = {
      {ToolFormat::kHermes,
       "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": "
       "\"Oslo\", \"days\": 3}}\n</tool_call>\n<tool_call>\n{\"name\": \"add\", "
       "\"arguments\": {\"a\": 1, \"b\": [2, {\"c\": \"x } ]\"}]}}\n</tool_call>"},
      {ToolFormat::kHermes,
       "<tool_call>\n{\"arguments\": {\"a\": 1}, \"name\": \"add\"}\n</tool_call>"},
      {ToolFormat::kHermes,
       "<tool_call>\n{\"name\": \"add\", \"arguments\": \"{\\\"a\\\": 5}\"}\n</tool_call>"},
      {ToolFormat::kHermes, "{\"name\": \"add\", \"arguments\": {\"a\": \"\u00e9 \\u00e9\"}}"},
      {ToolFormat::kLlama3, "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Oslo\"}}"},
      {ToolFormat::kLlama3,
       "<|python_tag|>{\"name\": \"add\", \"parameters\": {\"a\": 1}}; {\"name\": \"add\", "
       "\"parameters\": {\"a\": 2}}"},
      {ToolFormat::kLlama3, "<|python_tag|>get_weather.call(city=\"Oslo\", days=2)"},
      {ToolFormat::kLlama3, "[get_weather(city=\"Oslo\"), add(a=1, b=2)]"},
      {ToolFormat::kMistral,
       "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}, \"id\": "
       "\"abcDEF123\"}, {\"name\": \"add\", \"arguments\": {\"a\": 1}, \"id\": \"xyzXYZ789\"}]"},
      {ToolFormat::kMistralArgs,
       "[TOOL_CALLS]get_weather[CALL_ID]abcDEF123[ARGS]{\"city\": \"Oslo\"}[TOOL_CALLS]add[ARGS]{"
       "\"a\": 1}"},
      {ToolFormat::kGeneric,
       "```json\n{\"tool_calls\": [{\"function\": {\"name\": \"add\", "
       "\"arguments\": \"{\\\"a\\\": 1}\"}}]}\n```"},
      {ToolFormat::kGeneric, "[{\"name\": \"add\", \"arguments\": {\"a\": 1}}, {\"name\": \"x\"}]"},
      // Plain replies: all content, as written.
      {ToolFormat::kHermes, "a < b <tool but no call, {\"name\": 1}\n"},
      {ToolFormat::kLlama3, "Sure: {\"name\": \"add\", \"parameters\": {}} is how."},
      {ToolFormat::kHermes, "  {\"answer\": 42}"},
  };
  for (const Case& c : cases) {
    const ParsedReply want = parse_tool_reply(c.reply, c.f, names);
    ASSERT_TRUE(want.error.empty()) << c.reply << ": " << want.error;
    for (size_t step : {size_t(1), size_t(2), size_t(5), size_t(17), c.reply.size()}) {
      std::string early;
      const Accumulated got = stream_in_pieces(c.reply, c.f, step, names, false, &early);
      SCOPED_TRACE(c.reply + " in pieces of " + std::to_string(step));
      ASSERT_EQ(got.calls.size(), want.calls.size());
      for (size_t k = 0; k < want.calls.size(); ++k) {
        EXPECT_EQ(got.calls[k].name, want.calls[k].name);
        EXPECT_EQ(got.calls[k].arguments, want.calls[k].arguments);
        EXPECT_EQ(got.calls[k].id, want.calls[k].id);
        EXPECT_NO_THROW(json::parse(got.calls[k].arguments));
      }
      if (want.calls.empty()) {
        EXPECT_EQ(got.content, c.reply);
      } else {
        EXPECT_EQ(got.content, want.content);
        // Content sent before the end is never part of a call.
        EXPECT_EQ(want.content.compare(0, early.size(), early), 0) << early;
      }
    }
  }
}

// The stream is incremental: a call's name goes out before its arguments are complete, and the
// arguments in several pieces as they are written.
TEST(ToolStream, NameFirstThenArgumentsAsTheyAreWritten) {
  const std::string reply =
      "<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 12345, \"b\": 67890}}\n"
      "</tool_call>\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": "
      "\"Oslo\"}}\n</tool_call>";
  ToolStream s(ToolFormat::kHermes, false, {"add", "get_weather"});
  Accumulated a;
  const size_t name_end = reply.find("\"add\"") + 5;
  for (size_t i = 0; i < name_end; ++i) a.add(s.push(reply.substr(i, 1)));
  ASSERT_EQ(a.calls.size(), 1u) << "the name is complete: the call opens";
  EXPECT_EQ(a.calls[0].name, "add");
  EXPECT_EQ(a.calls[0].arguments, "");
  const size_t mid = reply.find("678");
  for (size_t i = name_end; i < mid; ++i) a.add(s.push(reply.substr(i, 1)));
  EXPECT_EQ(a.calls[0].arguments, "{\"a\":12345,\"b\":") << "arguments so far, minified";
  EXPECT_TRUE(a.content.empty());
  for (size_t i = mid; i < reply.size(); ++i) a.add(s.push(reply.substr(i, 1)));
  ASSERT_EQ(a.calls.size(), 2u) << "the second call opened before the end";
  a.add(s.finish());
  EXPECT_EQ(a.calls[1].arguments, "{\"city\":\"Oslo\"}");
  size_t arg_pieces = 0;
  for (const auto& o : a.order) arg_pieces += o == "args 0";
  EXPECT_GT(arg_pieces, 5u);
  EXPECT_TRUE(s.called());

  // Mistral's JSON list waits for each call's id, then sends it whole.
  ToolStream m(ToolFormat::kMistral, false, {"add"});
  const std::string ml =
      "[TOOL_CALLS][{\"name\": \"add\", \"arguments\": {\"a\": 1}, \"id\": "
      "\"abcDEF123\"}, {\"name\": \"add\", \"arguments\": {\"a\": 2}";
  Accumulated b;
  for (char ch : ml) b.add(m.push(std::string(1, ch)));
  ASSERT_EQ(b.calls.size(), 1u);
  EXPECT_EQ(b.calls[0].id, "abcDEF123");
  EXPECT_EQ(b.calls[0].arguments, "{\"a\":1}");
}

TEST(ToolStream, HoldsBackOpeningPrefixesAndWhitespace) {
  ToolStream s(ToolFormat::kHermes, false, {"add"});
  Accumulated a;
  a.add(s.push("Let me "));
  a.add(s.push("add. <tool"));  // "<tool" may open a call: held, and the space before it
  EXPECT_EQ(a.content, "Let me add.");
  a.add(s.push("_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1}}\n</tool_call>"));
  EXPECT_EQ(a.content, "Let me add.");
  a.add(s.finish());
  ASSERT_EQ(a.calls.size(), 1u);
  EXPECT_EQ(a.calls[0].name, "add");
  EXPECT_EQ(s.parsed().calls.size(), 1u);

  ToolStream plain(ToolFormat::kHermes, false, {"add"});
  Accumulated p;
  p.add(plain.push("a < b <"));
  EXPECT_EQ(p.content, "a < b");
  p.add(plain.finish());
  EXPECT_EQ(p.content, "a < b <");
  EXPECT_FALSE(plain.called());

  // A bare JSON reply naming no offered tool is content, sent at the end.
  ToolStream bare(ToolFormat::kHermes, false, {"add"});
  Accumulated j;
  j.add(bare.push("{\"name\": \"Bob\""));
  EXPECT_TRUE(j.content.empty() && j.calls.empty());
  j.add(bare.push(", \"arguments\": {}}"));
  j.add(bare.finish());
  EXPECT_EQ(j.content, "{\"name\": \"Bob\", \"arguments\": {}}");
  EXPECT_TRUE(j.calls.empty());
}

TEST(ToolPrompt, HermesSystemPromptForTemplatesWithoutTools) {
  const auto tools = parse_tools(kTools);
  std::vector<hearth::tmpl::ChatMessage> msgs = {{"user", "Weather in Oslo?"}};
  hearth::tmpl::ChatMessage call{"assistant", ""};
  call.tool_calls_json = template_tool_calls(
      R"([{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Oslo\", \"days\": 1}"}}])");
  msgs.push_back(call);
  hearth::tmpl::ChatMessage result{"tool", "{\"temp\": 3}"};
  result.tool_call_id = "call_1";
  msgs.push_back(result);
  const ToolConversation c = prepare_tool_prompt(msgs, tools, {}, TemplateTools{});
  ASSERT_EQ(c.messages.size(), 4u);
  EXPECT_EQ(c.messages[0].role, "system");
  EXPECT_NE(c.messages[0].content.find("<tools>\n{\"type\":\"function\""), std::string::npos);
  EXPECT_EQ(c.messages[2].content,
            "<tool_call>\n{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Oslo\",\"days\":1}}"
            "\n</tool_call>");
  EXPECT_EQ(c.messages[3].role, "user");
  EXPECT_EQ(c.messages[3].content, "<tool_response>\n{\"temp\": 3}\n</tool_response>");
  EXPECT_TRUE(c.tools_json.empty());
  EXPECT_THROW(template_tool_calls(R"([{"function": {"name": "f", "arguments": "[1]"}}])"),
               hearth::Error);
}

// The lazy grammar on a real vocabulary: free until "<tool_call>" appears in the generated text,
// then only tokens that continue a valid call.
TEST(ToolGrammar, LazyTriggerOnQwenVocabulary) {
  const std::string path = hearth::test::data_path("models/synth/qwen2-d128-q8_0.gguf");
  HEARTH_REQUIRE_DATA(path);
  auto model = hearth::Model::load(hearth::GgufFile::open(path));
  const hearth::Tokenizer& tok = *model->tokenizer();
  const int n = tok.n_vocab();
  hearth::SamplerConfig cfg;
  cfg.temperature = 0;
  const auto tools = parse_tools(kTools);
  const ToolGrammar g = tool_call_grammar(tools, {}, ToolFormat::kHermes);
  cfg.grammar = g.gbnf;
  cfg.grammar_triggers = g.triggers;
  hearth::Sampler s(cfg, &tok);
  std::vector<float> logits(static_cast<size_t>(n), 0.0f);
  const std::vector<int32_t> words = tok.encode("I will look it up.", false, false);
  logits[static_cast<size_t>(words[1])] = 5.0f;  // any token is allowed before the trigger
  EXPECT_EQ(s.sample(logits.data(), n), words[1]);
  for (int32_t t : words) s.accept(t);
  EXPECT_FALSE(s.grammar_active());
  // The trigger split across tokens, then the call's first bytes in the same stretch.
  for (int32_t t : tok.encode(" <tool", false, false)) s.accept(t);
  EXPECT_FALSE(s.grammar_active());
  for (int32_t t : tok.encode("_call>\n{\"name\": \"", false, false)) s.accept(t);
  EXPECT_TRUE(s.grammar_active());
  // Now "rm" cannot start, "add" and "get_weather" can.
  const int32_t rm = tok.encode("rm", false, false)[0];
  const int32_t add = tok.encode("add", false, false)[0];
  logits.assign(static_cast<size_t>(n), 0.0f);
  logits[static_cast<size_t>(rm)] = 9.0f;
  logits[static_cast<size_t>(add)] = 4.0f;
  EXPECT_EQ(s.sample(logits.data(), n), add);
}

}  // namespace

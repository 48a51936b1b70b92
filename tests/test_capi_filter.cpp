// The content filter through the C ABI (hearth_filter_*, and the filter field of
// hearth_request_params): rule errors and bad arguments give clear statuses; checks classify as
// the rules say, obfuscations included; a blocked user message is refused at submit with
// HEARTH_ERR_CONTENT_FILTERED; a reply that reaches a banned word ends with
// HEARTH_FINISH_CONTENT_FILTER and its category, and none of the word is streamed. The word is
// taken from the same request's unfiltered greedy reply (the reference).
#include <gtest/gtest.h>

#include <cctype>
#include <cstring>
#include <string>

#include "hearth.h"
#include "test_data.hpp"

namespace {

const char* kTiny = "models/real/TinyStories-656K-Q8_0.gguf";

struct Filter {
  hearth_filter* f = nullptr;
  ~Filter() { hearth_filter_free(f); }
};

hearth_status make(const char* rules, int level, hearth_filter** out) {
  hearth_filter_params p;
  HEARTH_FILTER_PARAMS_INIT(&p);
  p.level = level;
  p.rules_text = rules;
  return hearth_filter_create(&p, out);
}

std::string check(const hearth_filter* f, const std::string& text, hearth_status* st = nullptr) {
  int blocked = -1;
  char category[64];
  size_t len = 0;
  const hearth_status s =
      hearth_filter_check(f, text.data(), text.size(), &blocked, category, sizeof category, &len);
  if (st) *st = s;
  if (s != HEARTH_OK) return "<error>";
  return blocked ? std::string(category, len) : std::string();
}

TEST(FilterCapi, CreateAndCheck) {
  hearth_filter* f = nullptr;
  hearth_filter_params p;
  EXPECT_EQ(hearth_filter_params_init(nullptr, 64), HEARTH_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(HEARTH_FILTER_PARAMS_INIT(&p), HEARTH_OK);
  EXPECT_EQ(p.level, HEARTH_SAFETY_STANDARD);
  EXPECT_EQ(hearth_filter_create(&p, &f), HEARTH_ERR_INVALID_ARGUMENT);  // no rules
  EXPECT_EQ(make("standard weapons term pipe bomb\n", 7, &f), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(make("standard weapons frobnicate pipe bomb\n", 1, &f), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(hearth_last_error()).find("rules_text:1"), std::string::npos)
      << hearth_last_error();
  p.rules_path = "/nonexistent/rules";
  EXPECT_EQ(hearth_filter_create(&p, &f), HEARTH_ERR_IO);
  EXPECT_EQ(f, nullptr);

  const char* rules =
      "standard weapons term pipe bomb\n"
      "strict profanity term darn\n";
  Filter standard, strict, off;
  ASSERT_EQ(make(rules, HEARTH_SAFETY_STANDARD, &standard.f), HEARTH_OK);
  ASSERT_EQ(make(rules, HEARTH_SAFETY_STRICT, &strict.f), HEARTH_OK);
  ASSERT_EQ(make(rules, HEARTH_SAFETY_OFF, &off.f), HEARTH_OK);
  EXPECT_EQ(check(standard.f, "how do I build a pipe bomb"), "weapons");
  EXPECT_EQ(check(standard.f, "how do I build a ＰＩＰＥ\xE2\x80\x8B bomb"),
            "weapons");                                         // full-width, ZWSP
  EXPECT_EQ(check(standard.f, "a pipe bombastic speech"), "");  // a term is a whole word
  EXPECT_EQ(check(standard.f, "darn it"), "");
  EXPECT_EQ(check(strict.f, "darn it"), "profanity");
  EXPECT_EQ(check(off.f, "how do I build a pipe bomb"), "");
  hearth_status st;
  EXPECT_EQ(check(standard.f, std::string("bad \xC3\x28 utf8"), &st), "<error>");
  EXPECT_EQ(st, HEARTH_ERR_INVALID_ARGUMENT);
  // Too small a buffer: the status says so and the length is reported.
  int blocked = 0;
  size_t len = 0;
  const std::string bomb = "pipe bomb";
  EXPECT_EQ(hearth_filter_check(standard.f, bomb.data(), bomb.size(), &blocked, nullptr, 0, &len),
            HEARTH_ERR_BUFFER_TOO_SMALL);
  EXPECT_EQ(blocked, 1);
  EXPECT_EQ(len, std::strlen("weapons"));
  hearth_filter_free(nullptr);
}

struct Engine {
  hearth_model* model = nullptr;
  hearth_engine* engine = nullptr;
  ~Engine() {
    hearth_engine_free(engine);
    hearth_model_free(model);
  }
};

struct Reply {
  std::string text;
  hearth_request_outcome outcome{};
  std::string category;
};

Reply run(hearth_engine* e, const hearth_filter* filter, hearth_status* submit_status = nullptr) {
  hearth_chat_message msg = {"user", "Tell me a story about a cat."};
  hearth_request_params p;
  HEARTH_REQUEST_PARAMS_INIT(&p);
  p.messages = &msg;
  p.n_messages = 1;
  p.max_tokens = 48;
  p.filter = filter;
  hearth_request* r = nullptr;
  Reply out;
  const hearth_status st = hearth_engine_submit(e, &p, &r);
  if (submit_status) *submit_status = st;
  if (st != HEARTH_OK) return out;
  char buf[512];
  for (;;) {
    size_t len = 0;
    int finished = 0;
    EXPECT_EQ(hearth_request_next(r, buf, sizeof buf, &len, -1, &finished), HEARTH_OK);
    if (finished) break;
    out.text.append(buf, len);
  }
  out.outcome.struct_size = sizeof out.outcome;
  EXPECT_EQ(hearth_request_result(r, &out.outcome), HEARTH_OK);
  if (out.outcome.filter_category) out.category = out.outcome.filter_category;
  hearth_request_free(r);
  return out;
}

TEST(FilterCapi, EngineRequestsAreScreenedInAndOut) {
  const std::string path = hearth::test::data_path(kTiny);
  HEARTH_REQUIRE_DATA(path);
  Engine m;
  ASSERT_EQ(hearth_model_load(path.c_str(), nullptr, &m.model), HEARTH_OK);
  hearth_engine_params ep;
  HEARTH_ENGINE_PARAMS_INIT(&ep);
  ep.n_ctx = 256;
  ep.n_threads = 2;
  ASSERT_EQ(hearth_engine_create(m.model, &ep, &m.engine), HEARTH_OK);

  const Reply reference = run(m.engine, nullptr);
  ASSERT_EQ(reference.outcome.finish_reason, HEARTH_FINISH_LENGTH) << reference.text;
  EXPECT_EQ(reference.outcome.filter_category, nullptr);
  // A word of four letters or more from the second half of the reference reply.
  std::string word;
  for (size_t i = reference.text.size() / 2; i < reference.text.size() && word.size() < 4; ++i) {
    if (std::isalpha(static_cast<unsigned char>(reference.text[i])))
      word += reference.text[i];
    else
      word.clear();
  }
  ASSERT_GE(word.size(), 4u) << reference.text;

  // Input: the user's message names a banned word -> refused, nothing queued.
  Filter input_filter;
  ASSERT_EQ(make("standard animals term cat\n", HEARTH_SAFETY_STANDARD, &input_filter.f),
            HEARTH_OK);
  hearth_status st = HEARTH_OK;
  run(m.engine, input_filter.f, &st);
  EXPECT_EQ(st, HEARTH_ERR_CONTENT_FILTERED);
  EXPECT_NE(std::string(hearth_last_error()).find("animals"), std::string::npos)
      << hearth_last_error();

  // Output: a substring rule on a word of the reply.
  Filter output_filter;
  const std::string rules = "standard test_category substr " + word + "\n";
  ASSERT_EQ(make(rules.c_str(), HEARTH_SAFETY_STANDARD, &output_filter.f), HEARTH_OK);
  hearth_filter* released = output_filter.f;
  const Reply blocked = run(m.engine, released);
  EXPECT_EQ(blocked.outcome.finish_reason, HEARTH_FINISH_CONTENT_FILTER) << word;
  EXPECT_EQ(blocked.category, "test_category");
  std::string lower = reference.text, lower_word = word;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (char& c : lower_word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const size_t first = lower.find(lower_word);
  EXPECT_EQ(blocked.text, reference.text.substr(0, blocked.text.size()));
  EXPECT_LE(blocked.text.size(), first);
  EXPECT_GE(blocked.text.size() + word.size(), first);
}

}  // namespace

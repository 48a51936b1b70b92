// hearth_chat_template_apply with a model: the template comes from tokenizer.chat_template (the
// synthetic Qwen2 file carries a ChatML one), the buffer convention holds, and a shared template
// given explicitly renders what Jinja2 rendered.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "hearth.h"
#include "test_data.hpp"

namespace {

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string apply(const hearth_model* model, const char* tmpl,
                  const std::vector<hearth_chat_message>& messages, bool add_generation_prompt,
                  const char* bos = nullptr, const char* eos = nullptr) {
  size_t need = 0;
  EXPECT_EQ(hearth_chat_template_apply(model, tmpl, messages.data(), messages.size(),
                                       add_generation_prompt, bos, eos, nullptr, 0, &need),
            HEARTH_ERR_BUFFER_TOO_SMALL);
  std::string out(need + 1, '\0');
  size_t len = 0;
  EXPECT_EQ(hearth_chat_template_apply(model, tmpl, messages.data(), messages.size(),
                                       add_generation_prompt, bos, eos, &out[0], out.size(), &len),
            HEARTH_OK)
      << hearth_last_error();
  EXPECT_EQ(len, need);
  out.resize(len);
  return out;
}

TEST(TemplateCApi, UsesTheModelsChatTemplate) {
  const std::string path = hearth::test::data_path("models/synth/qwen2-d128-q8_0.gguf");
  HEARTH_REQUIRE_DATA(path);
  hearth_model_params params;
  HEARTH_MODEL_PARAMS_INIT(&params);
  params.vocab_only = 1;
  hearth_model* model = nullptr;
  ASSERT_EQ(hearth_model_load(path.c_str(), &params, &model), HEARTH_OK) << hearth_last_error();
  // Its template adds the default system prompt when the conversation has none.
  EXPECT_EQ(apply(model, nullptr, {{"user", "Hi"}}, true),
            "<|im_start|>system\nYou are a helpful assistant<|im_end|>\n"
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(apply(model, nullptr, {{"system", "S"}, {"user", "Hi"}}, false),
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n");
  hearth_model_free(model);
}

TEST(TemplateCApi, SharedTemplateMatchesJinja2) {
  const std::string tmpl_path =
      hearth::test::data_path("testdata/templates/meta-llama-Llama-3.2-3B-Instruct.jinja");
  HEARTH_REQUIRE_DATA(tmpl_path);
  const std::string tmpl = read_file(tmpl_path);
  // The expected file was rendered on 2026-01-02; the C ABI formats the current date, so compare
  // with the date line replaced.
  std::string expected = read_file(hearth::test::data_path(
      "testdata/templates-expected/meta-llama-Llama-3.2-3B-Instruct.system-user.txt"));
  std::string out =
      apply(nullptr, tmpl.c_str(),
            {{"system", "You are a helpful assistant."}, {"user", "Hello! What is 2+2?"}}, true,
            "<|bos|>", "<|eos|>");
  const std::string marker = "Today Date: ";
  const size_t at_expected = expected.find(marker), at_out = out.find(marker);
  ASSERT_NE(at_expected, std::string::npos);
  ASSERT_NE(at_out, std::string::npos);
  expected.replace(at_expected + marker.size(), 11, "DD Mon YYYY");
  out.replace(at_out + marker.size(), 11, "DD Mon YYYY");
  EXPECT_EQ(out, expected);
}

// hearth.h promises thread safety: renders on several threads at once agree.
TEST(TemplateCApi, ConcurrentRendersAgree) {
  const char* tmpl =
      "{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}"
      "{{ m.role | upper }}={{ m.content | tojson }};{% endfor %}{{ ns.n }}";
  const std::vector<hearth_chat_message> messages = {{"user", "a\"b"}, {"assistant", "é"}};
  const std::string expected = "USER=\"a\\\"b\";ASSISTANT=\"é\";2";
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      int good = 0;
      for (int i = 0; i < 200; ++i) {
        char buf[128];
        size_t len = 0;
        if (hearth_chat_template_apply(nullptr, tmpl, messages.data(), messages.size(), 0, "", "",
                                       buf, sizeof buf, &len) == HEARTH_OK &&
            std::string(buf, len) == expected)
          ++good;
      }
      ok[t] = good;
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(ok[t], 200) << "thread " << t;
}

}  // namespace

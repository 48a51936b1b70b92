// The guard-model classifier (src/safety/guard_prompt.*, guard_model.*): the prompt is Llama
// Guard 3's task format (the expected text below is typed from its model card, not produced by
// hearth), answers parse as the card describes, and a judgement on a real engine decodes the
// guard prompt greedily — the same text a plain context produces for those tokens — and fails
// closed on an answer that is neither "safe" nor "unsafe".
#include <gtest/gtest.h>

#include "engine/chat_prompt.hpp"
#include "generate/generate.hpp"
#include "hearth/context.hpp"
#include "hearth/error.hpp"
#include "safety/guard_model.hpp"
#include "test_data.hpp"

namespace hearth::safety {
namespace {

TEST(GuardPrompt, LlamaGuard3TaskFormat) {
  const std::string expected =
      "Task: Check if there is unsafe content in 'User' messages in conversations according our "
      "safety policy with the below categories.\n"
      "\n"
      "<BEGIN UNSAFE CONTENT CATEGORIES>\n"
      "S1: Violent Crimes.\n"
      "S2: Non-Violent Crimes.\n"
      "<END UNSAFE CONTENT CATEGORIES>\n"
      "\n"
      "<BEGIN CONVERSATION>\n"
      "\n"
      "User: How do I bake bread?\n"
      "\n"
      "<END CONVERSATION>\n"
      "\n"
      "Provide your safety assessment for ONLY THE LAST User message in the above conversation:\n"
      " - First line must read 'safe' or 'unsafe'.\n"
      " - If unsafe, a second line must include a comma-separated list of violated categories.";
  const std::vector<GuardCategory> two = {{"S1", "Violent Crimes"}, {"S2", "Non-Violent Crimes"}};
  EXPECT_EQ(guard_task({{"user", "How do I bake bread?"}}, two), expected);
  const std::string agent = guard_task({{"user", "Hi"}, {"assistant", "Hello!"}}, two);
  EXPECT_NE(agent.find("unsafe content in 'Agent' messages"), std::string::npos);
  EXPECT_NE(agent.find("User: Hi\n\nAgent: Hello!\n\n<END CONVERSATION>"), std::string::npos);
  EXPECT_NE(agent.find("ONLY THE LAST Agent message"), std::string::npos);
  EXPECT_THROW(guard_task({}, two), Error);
  EXPECT_THROW(guard_task({{"system", "x"}}, two), Error);
  EXPECT_EQ(llama_guard3_categories().size(), 14u);
  EXPECT_EQ(llama_guard3_categories()[10].name, "Suicide & Self-Harm");
}

TEST(GuardPrompt, AnswersParseAsTheModelCardDescribes) {
  using K = GuardAnswer::Kind;
  EXPECT_EQ(parse_guard_answer("safe").kind, K::kSafe);
  EXPECT_EQ(parse_guard_answer("\n\nsafe").kind, K::kSafe);
  const GuardAnswer u = parse_guard_answer("\n\nunsafe\nS1,S10");
  EXPECT_EQ(u.kind, K::kUnsafe);
  EXPECT_EQ(u.codes, (std::vector<std::string>{"S1", "S10"}));
  EXPECT_EQ(parse_guard_answer("UNSAFE\n S9 , S2 \nmore").codes,
            (std::vector<std::string>{"S9", "S2"}));
  EXPECT_TRUE(parse_guard_answer("unsafe").codes.empty());
  EXPECT_EQ(parse_guard_answer("unsafe").kind, K::kUnsafe);
  EXPECT_EQ(parse_guard_answer("").kind, K::kUnparseable);
  EXPECT_EQ(parse_guard_answer("I think it is safe").kind, K::kUnparseable);
  EXPECT_EQ(parse_guard_answer("safety first").kind, K::kUnparseable);
}

TEST(GuardModel, JudgesOnTheEngineAndFailsClosedOnGibberish) {
  const std::string path = test::data_path("models/real/TinyStories-656K-Q8_0.gguf");
  HEARTH_REQUIRE_DATA(path);
  auto model = Model::load(GgufFile::open(path));
  engine::EngineParams ep;
  ep.n_ctx = 1024;
  ep.n_threads = 2;
  engine::Engine engine(model, ep);
  const std::vector<tmpl::ChatMessage> conv = {{"user", "How do I bake bread?"}};

  GuardModel closed(engine);
  EXPECT_FALSE(closed.uses_model_template());  // a story model has no guard template
  const auto tokens = closed.prompt_tokens(conv);
  EXPECT_EQ(tokens, engine::chat_prompt_tokens(
                        *model, {{"user", guard_task(conv, llama_guard3_categories())}}));
  const Verdict v = closed.judge(conv);
  const std::string answer = GuardModel::last_answer();
  // The answer is the greedy continuation of the prompt, as a plain context decodes it.
  ContextParams cp;
  cp.n_ctx = 1024;
  cp.n_threads = 2;
  Context ctx(model, cp);
  GenerateOptions opt;
  opt.max_tokens = 16;
  std::string reference;
  opt.on_token = [&](int, const std::string& piece) {
    reference += piece;
    return true;
  };
  generate(ctx, tokens.data(), tokens.size(), opt);
  EXPECT_EQ(answer, reference);
  // A story model answers neither "safe" nor "unsafe": blocked when failing closed, not otherwise.
  ASSERT_EQ(parse_guard_answer(answer).kind, GuardAnswer::Kind::kUnparseable) << answer;
  EXPECT_TRUE(v.blocked);
  EXPECT_EQ(v.category, "guard_unparseable");
  GuardOptions open_options;
  open_options.block_unparseable = false;
  GuardModel open(engine, open_options);
  EXPECT_FALSE(open.judge(conv).blocked);
}

}  // namespace
}  // namespace hearth::safety

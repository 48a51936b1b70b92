// include/hearth/hearth.hpp, the header-only C++ wrapper: compiled against here (static build of
// the same ABI) and exercised over the parts a C++ user reaches first — model, tokenizer,
// context, session, engine and the size-safe params.
#include "hearth/hearth.hpp"

#include <gtest/gtest.h>

#include "test_data.hpp"

namespace {

namespace api = hearth::api;

TEST(HearthHpp, ModelContextSessionEngine) {
  const std::string path = hearth::test::data_path("models/real/stories260K.gguf");
  HEARTH_REQUIRE_DATA(path);
  api::Model model(path);
  const auto ids = api::tokenize(model, "Once upon a time");
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(api::detokenize(model, ids), "Once upon a time");

  auto cp = api::params(&hearth_context_params_init);
  EXPECT_EQ(cp.struct_size, sizeof cp);
  cp.n_ctx = 128;
  cp.n_threads = 1;
  api::Context ctx(model, &cp);
  EXPECT_FALSE(ctx.cancel());  // idle: nothing running
  auto gp = api::params(&hearth_generate_params_init);
  gp.max_tokens = 6;
  std::string streamed;
  const auto r = ctx.generate(ids, gp, [&](hearth_token t, const std::string& text) {
    streamed += text;
    return true;
  });
  EXPECT_EQ(r.n_generated, 6);
  EXPECT_EQ(r.stop_reason, HEARTH_STOP_MAX_TOKENS);

  // The engine gives a greedy request the same text as the context.
  auto ep = api::params(&hearth_engine_params_init);
  ep.n_ctx = 128;
  ep.n_threads = 1;
  api::Engine engine(model, &ep);
  api::Request req = engine.submit("Once upon a time", 6);
  EXPECT_EQ(req.text(), streamed);
  EXPECT_EQ(req.finish_reason(), HEARTH_FINISH_LENGTH);
  EXPECT_FALSE(req.cancel());  // already finished
  EXPECT_EQ(engine.stats().blocks_used, 0);

  api::Session session(model);
  session.add_message("user", "Hi");
  EXPECT_EQ(session.generate(gp).n_generated, 6);
  EXPECT_FALSE(session.cancel());

  auto bad = api::params(&hearth_engine_params_init);
  bad.max_running = 0;
  EXPECT_THROW(api::Engine(model, &bad), api::Exception);
}

}  // namespace

// Stop conditions and streaming of the generation loop: stop strings across token boundaries
// (never emitted), complete UTF-8 only, held-back text released at the end, max tokens,
// end-of-generation tokens, cancellation from the callback and from another thread, timings.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "generate/generate.hpp"
#include "hearth/context.hpp"
#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "hearth/tokenizer.hpp"
#include "sampler/stop_string_stream.hpp"
#include "test_data.hpp"

namespace hearth {
namespace {

TEST(StopStringStream, HoldsBackPrefixesAndStopsAcrossPieces) {
  StopStringStream s({"o w"});
  auto a = s.push("Hel");
  EXPECT_EQ(a.text, "Hel");
  auto b = s.push("lo");  // "o" could start "o w": held back
  EXPECT_EQ(b.text, "l");
  EXPECT_FALSE(b.stopped);
  auto c = s.push(" world");
  EXPECT_TRUE(c.stopped);
  EXPECT_EQ(c.text, "");  // "Hell" in all: "o w" and what follows are never released
}

TEST(StopStringStream, StopInsideAPieceAndReleaseWhenItDiverges) {
  StopStringStream s({"STOP"});
  EXPECT_EQ(s.push("abcST").text, "abc");
  auto d = s.push("AR");  // "STAR" is not "STOP": released
  EXPECT_EQ(d.text, "STAR");
  auto e = s.push("xSTOPyz");  // starts and ends inside one piece
  EXPECT_TRUE(e.stopped);
  EXPECT_EQ(e.text, "x");
}

TEST(StopStringStream, EarliestStopWinsWhateverTheListOrder) {
  StopStringStream s({"b", "a", ""});
  auto r = s.push("xab");
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.text, "x");
}

TEST(StopStringStream, ReleasesOnlyCompleteUtf8) {
  StopStringStream s({});
  EXPECT_EQ(s.push("caf\xC3").text, "caf");
  EXPECT_EQ(s.push("\xA9!").text, "\xC3\xA9!");
  EXPECT_EQ(s.push("\xE2\x96").text, "");
  EXPECT_EQ(s.finish(), "\xEF\xBF\xBD");  // an unfinished character at the end: U+FFFD
  StopStringStream t({"\xA9"});           // a stop string starting mid-character
  auto r = t.push("x\xC3\xA9");
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.text, "x");
  StopStringStream u({"ab"});
  EXPECT_EQ(u.push("za").text, "z");
  EXPECT_EQ(u.finish(), "a");
}

struct Reference {
  std::vector<int32_t> prompt, greedy;
  std::string greedy_text;
};

Reference stories_reference() {
  std::ifstream in(test::data_path("models/reference/stories260K.text.json"));
  const auto j = nlohmann::json::parse(in);
  return {j["prompt_ids"].get<std::vector<int32_t>>(),
          j["greedy_tokens"].get<std::vector<int32_t>>(), j["greedy_text"].get<std::string>()};
}

class GenerateStop : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string model_path = test::data_path("models/real/stories260K.gguf");
    const std::string ref_path = test::data_path("models/reference/stories260K.text.json");
    HEARTH_REQUIRE_DATA(model_path);
    HEARTH_REQUIRE_DATA(ref_path);
    model_ = Model::load(GgufFile::open(model_path));
    ref_ = stories_reference();
    ASSERT_NE(model_->tokenizer(), nullptr);
    for (int32_t t : ref_.greedy) pieces_.push_back(model_->tokenizer()->token_to_piece(t));
  }

  // Greedy generation streamed into `text` (and the callbacks' tokens into `calls`).
  GenerateResult run(GenerateOptions opt, const std::shared_ptr<const Model>& model = nullptr) {
    ContextParams params;
    params.n_ctx = 128;
    params.n_threads = 1;
    Context ctx(model ? model : model_, params);
    text_.clear();
    calls_.clear();
    opt.on_token = [&](int token, const std::string& t) {
      text_ += t;
      calls_.push_back(token);
      return true;
    };
    return generate(ctx, ref_.prompt.data(), ref_.prompt.size(), opt);
  }

  std::string joined(size_t n) const {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += pieces_[i];
    return s;
  }

  std::shared_ptr<const Model> model_;
  Reference ref_;
  std::vector<std::string> pieces_;
  std::string text_;
  std::vector<int> calls_;
};

TEST_F(GenerateStop, StreamSpellsTheWholeReferenceText) {
  GenerateOptions opt;
  opt.max_tokens = 48;
  opt.stop_strings = {"never in this story"};  // its prefixes are held back, then released
  const auto r = run(opt);
  EXPECT_EQ(r.stop_reason, StopReason::kMaxTokens);
  EXPECT_EQ(text_, joined(48));
  EXPECT_EQ(text_, ref_.greedy_text);  // llama.cpp's text of the same 48 tokens
  EXPECT_EQ(calls_.size(), 48u);
}

TEST_F(GenerateStop, StopStringSpanningATokenBoundary) {
  // The last two bytes of piece 11 (" She") and the first three of piece 12 (" lo").
  const size_t boundary = joined(12).size();
  ASSERT_GE(pieces_[11].size(), 2u);
  ASSERT_GE(pieces_[12].size(), 3u);
  const std::string stop = joined(13).substr(boundary - 2, 5);
  const std::string all = joined(48);
  ASSERT_EQ(all.find(stop), boundary - 2) << "the stop string must first occur there";
  GenerateOptions opt;
  opt.max_tokens = 48;
  opt.stop_strings = {"unrelated", stop};
  const auto r = run(opt);
  EXPECT_EQ(r.stop_reason, StopReason::kStopString);
  EXPECT_EQ(text_, all.substr(0, boundary - 2));
  EXPECT_EQ(r.tokens.size(), 13u);  // generation ends on the token that completes it
}

TEST_F(GenerateStop, StopStringInsideOnePiece) {
  // A stop string starting after the first byte of piece 4 (" little") and ending before its
  // last.
  ASSERT_GE(pieces_[4].size(), 4u);
  const size_t start = joined(4).size() + 1;
  const std::string stop = pieces_[4].substr(1, pieces_[4].size() - 2);
  const std::string all = joined(48);
  ASSERT_EQ(all.find(stop), start);
  GenerateOptions opt;
  opt.max_tokens = 48;
  opt.stop_strings = {stop};
  const auto r = run(opt);
  EXPECT_EQ(r.stop_reason, StopReason::kStopString);
  EXPECT_EQ(text_, all.substr(0, start));
  EXPECT_EQ(r.tokens.size(), 5u);
}

TEST_F(GenerateStop, MaxTokensReleasesHeldBackText) {
  // Piece 10 starts a stop string that piece 11 would not complete: at max_tokens = 11 the
  // held-back text still reaches the caller.
  GenerateOptions opt;
  opt.max_tokens = 11;
  opt.stop_strings = {pieces_[10] + "zzz"};
  const auto r = run(opt);
  EXPECT_EQ(r.stop_reason, StopReason::kMaxTokens);
  EXPECT_EQ(r.tokens.size(), 11u);
  EXPECT_EQ(text_, joined(11));
  opt.max_tokens = 0;
  EXPECT_EQ(run(opt).tokens.size(), 0u);
}

TEST_F(GenerateStop, EndOfGenerationTokenFlushesHeldBackText) {
  // Declare piece 10's token the EOS token; a stop string that pieces 8-9 begin holds them.
  auto file = GgufFile::open(test::data_path("models/real/stories260K.gguf"));
  GgufWriter w;
  w.copy_metadata(*file);
  w.set_u32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(ref_.greedy[10]));
  for (const auto& t : file->tensors()) w.add_tensor_ref(t.name, t.type, t.dims, t.data, t.n_bytes);
  const auto bytes = w.to_bytes();
  auto eos_model = Model::load(GgufFile::parse(bytes.data(), bytes.size()));
  GenerateOptions opt;
  opt.max_tokens = 40;
  opt.stop_strings = {pieces_[8] + pieces_[9] + "#"};
  const auto r = run(opt, eos_model);
  EXPECT_EQ(r.stop_reason, StopReason::kEog);
  EXPECT_EQ(r.tokens.size(), 10u);
  EXPECT_EQ(text_, joined(10));
  ASSERT_EQ(calls_.size(), 11u);
  EXPECT_EQ(calls_.back(), kFlushToken);
}

TEST_F(GenerateStop, CancelFromTheCallbackAndFromAnotherThread) {
  ContextParams params;
  params.n_ctx = 128;
  params.n_threads = 1;
  Context ctx(model_, params);
  GenerateOptions opt;
  opt.max_tokens = 40;
  std::atomic<int> seen{0};
  // The callback waits, after its 3rd token, until another thread's cancel() has landed.
  opt.on_token = [&](int, const std::string&) {
    if (++seen == 3) {
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (!ctx.cancel_requested() && std::chrono::steady_clock::now() < until)
        std::this_thread::yield();
    }
    return true;
  };
  std::thread canceller([&] {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (seen.load() < 3 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
    ctx.cancel();
  });
  const auto r = generate(ctx, ref_.prompt.data(), ref_.prompt.size(), opt);
  canceller.join();
  EXPECT_EQ(r.stop_reason, StopReason::kCancelled);  // the next decode saw it: no throw
  EXPECT_EQ(r.tokens.size(), 3u);
  EXPECT_EQ(std::vector<int32_t>(r.tokens.begin(), r.tokens.end()),
            std::vector<int32_t>(ref_.greedy.begin(), ref_.greedy.begin() + 3));
  // A later generate starts afresh (the cancel flag is cleared).
  ctx.truncate(0);
  GenerateOptions again;
  again.max_tokens = 5;
  again.on_token = [](int, const std::string&) { return true; };
  EXPECT_EQ(generate(ctx, ref_.prompt.data(), ref_.prompt.size(), again).tokens.size(), 5u);
  // The callback's own stop.
  again.on_token = [n = 0](int, const std::string&) mutable { return ++n < 2; };
  ctx.truncate(0);
  const auto c = generate(ctx, ref_.prompt.data(), ref_.prompt.size(), again);
  EXPECT_EQ(c.stop_reason, StopReason::kCancelled);
  EXPECT_EQ(c.tokens.size(), 2u);
}

TEST_F(GenerateStop, TimingsAreMeasuredSensibly) {
  GenerateOptions opt;
  opt.max_tokens = 48;
  const auto r = run(opt);
  ASSERT_GT(r.prompt_tokens_per_s, 0);
  const double prefill_ms = r.n_prompt * 1000.0 / r.prompt_tokens_per_s;
  EXPECT_GE(r.time_to_first_token_ms, prefill_ms * 0.999);  // prefill + the first sample
  EXPECT_GT(r.gen_tokens_per_s, 0);
  // A slow consumer: each of the 11 later tokens costs >= 2 ms, so the rate is <= 500/s.
  opt.max_tokens = 12;
  ContextParams params;
  params.n_ctx = 128;
  params.n_threads = 1;
  Context ctx(model_, params);
  opt.on_token = [](int, const std::string&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return true;
  };
  const auto t0 = std::chrono::steady_clock::now();
  const auto slow = generate(ctx, ref_.prompt.data(), ref_.prompt.size(), opt);
  const double wall_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LE(slow.gen_tokens_per_s, 500.0);
  EXPECT_GT(slow.gen_tokens_per_s, 0);
  // The first token did not wait for the 12 callbacks, which all come after it.
  EXPECT_LE(slow.time_to_first_token_ms, wall_ms - 2.0 * 12);
  opt.max_tokens = 1;  // one token: no generation rate to speak of
  opt.on_token = nullptr;
  ctx.truncate(0);
  const auto one = generate(ctx, ref_.prompt.data(), ref_.prompt.size(), opt);
  EXPECT_EQ(one.gen_tokens_per_s, 0);
  EXPECT_GT(one.time_to_first_token_ms, 0);
}

TEST_F(GenerateStop, BadOptionsFailBeforeDecoding) {
  ContextParams params;
  params.n_ctx = 32;
  params.n_threads = 1;
  Context ctx(model_, params);
  GenerateOptions opt;
  opt.sampler.top_p = 0.0f;
  EXPECT_THROW(generate(ctx, ref_.prompt.data(), ref_.prompt.size(), opt), Error);
  opt.sampler.top_p = 1.0f;
  opt.sampler.logit_bias = {{512, 1.0f}};  // stories260K has 512 tokens
  EXPECT_THROW(generate(ctx, ref_.prompt.data(), ref_.prompt.size(), opt), Error);
  EXPECT_EQ(ctx.n_past(), 0);
}

}  // namespace
}  // namespace hearth

// hearth_convert through the C ABI: progress reporting, cancellation, argument errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "convert_test_util.hpp"
#include "hearth.h"
#include "test_data.hpp"

namespace {

struct Progress {
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  size_t cancel_after = SIZE_MAX;  // return non-zero on this call
};

int on_progress(uint64_t done, uint64_t total, void* user) {
  auto* p = static_cast<Progress*>(user);
  p->calls.emplace_back(done, total);
  return p->calls.size() > p->cancel_after ? 1 : 0;
}

TEST(ConvertCapi, ReportsProgressAndWritesALoadableModel) {
  const std::string in = hearth::test::data_path("models/real/TinyStories-656K-hf-bf16");
  HEARTH_REQUIRE_DATA(in);
  hearth::test::TempDir tmp;
  const std::string out = tmp / "m.gguf";
  Progress progress;
  hearth_convert_params p;
  HEARTH_CONVERT_PARAMS_INIT(&p);
  EXPECT_STREQ(p.type, "f16");
  p.input = in.c_str();
  p.output = out.c_str();
  p.type = "q8_0";
  p.progress = on_progress;
  p.progress_user_data = &progress;
  ASSERT_EQ(hearth_convert(&p), HEARTH_OK) << hearth_last_error();
  ASSERT_GE(progress.calls.size(), 3u);
  const uint64_t total = progress.calls.front().second;
  uint64_t last = 0;
  for (const auto& [done, t] : progress.calls) {
    EXPECT_EQ(t, total);
    EXPECT_GE(done, last);
    EXPECT_LE(done, total);
    last = done;
  }
  EXPECT_EQ(last, total);
  hearth_model* model = nullptr;
  ASSERT_EQ(hearth_model_load(out.c_str(), nullptr, &model), HEARTH_OK) << hearth_last_error();
  hearth_model_free(model);
}

TEST(ConvertCapi, CancellingLeavesNoFile) {
  const std::string in = hearth::test::data_path("models/real/stories260K-llama2c/stories260K.bin");
  HEARTH_REQUIRE_DATA(in);
  const std::string tok = hearth::test::data_path("models/real/stories260K-llama2c/tok512.bin");
  hearth::test::TempDir tmp;
  const std::string out = tmp / "m.gguf";
  // Cancel during conversion (2nd call) and during writing (late call).
  for (size_t after : {size_t{1}, size_t{48}, size_t{60}}) {
    Progress progress;
    progress.cancel_after = after;
    hearth_convert_params p;
    HEARTH_CONVERT_PARAMS_INIT(&p);
    p.input = in.c_str();
    p.llama2c_tokenizer = tok.c_str();
    p.output = out.c_str();
    p.type = "f32";
    p.progress = on_progress;
    p.progress_user_data = &progress;
    EXPECT_EQ(hearth_convert(&p), HEARTH_ERR_CANCELLED) << after;
    EXPECT_NE(std::string(hearth_last_error()).find("cancel"), std::string::npos);
    EXPECT_EQ(progress.calls.size(), after + 1);
    EXPECT_TRUE(tmp.entries().empty()) << "file left after cancelling at call " << after;
  }
}

TEST(ConvertCapi, RejectsBadArguments) {
  EXPECT_EQ(hearth_convert(nullptr), HEARTH_ERR_INVALID_ARGUMENT);
  hearth_convert_params p;
  HEARTH_CONVERT_PARAMS_INIT(&p);
  EXPECT_EQ(hearth_convert(&p), HEARTH_ERR_INVALID_ARGUMENT);  // no input/output
  p.input = "/nonexistent";
  p.output = "/tmp/x.gguf";
  p.type = "q2_xx";
  EXPECT_EQ(hearth_convert(&p), HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(hearth_last_error()).find("q2_xx"), std::string::npos);
  p.type = "f16";
  EXPECT_EQ(hearth_convert(&p), HEARTH_ERR_IO);
  p.struct_size = 0;
  EXPECT_EQ(hearth_convert(&p), HEARTH_ERR_INVALID_ARGUMENT);
}

}  // namespace

// hearth's logits against the independent Eigen reference forward pass (tests/reference/), on the
// shared real and synthetic llama models and on a BF16 copy of stories260K, with oneDNN's path
// (src/kernels/onednn/) on and off. Prompts are long enough (64-289 tokens) for the batched
// kernels and oneDNN to take the prompt.
//
// Tolerance, from the rounding hearth does and the reference does not (eigen_forward.hpp):
// activations rounded to the weight type's vec_dot type with unit roundoff u (F32: none; F16:
// 2^-11; BF16: 2^-8; Q8_0 / Q8_K activations of the quantized types: half a step of 127 levels
// of a block's largest value, 1/254) and K/V rounded to F16 (2^-11) in the cache. Each rounding
// perturbs a logit by about u times the logits' scale, through every layer: the test allows
// max |hearth - reference| <= 16 u_eff max |reference| and rms <= 8 u_eff rms |reference|, with
// u_eff = max(u, 2^-11). oneDNN's other summation order is far below that (float sums, 2^-24).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hearth/context.hpp"
#include "hearth/model.hpp"
#include "hearth/quantize_model.hpp"
#include "kernels/onednn/onednn_matmul.hpp"
#include "reference/eigen_forward.hpp"
#include "test_data.hpp"

namespace hearth {
namespace {

struct Case {
  std::string model;   // under models/, or "bf16:<model>" for a BF16 copy made here
  std::string prompt;  // models/reference/<prompt>.json (its prompt_ids)
  double u;            // activation roundoff of the model's main weight type (see above)
};

std::string bf16_copy(const std::string& src) {
  const std::string out = (std::filesystem::temp_directory_path() /
                           ("hearth_ref_bf16_" + std::filesystem::path(src).filename().string()))
                              .string();
  QuantizeOptions o;
  o.input = src;
  o.output = out;
  o.type = QuantizeType::kBF16;
  o.n_threads = 2;
  quantize_model(o);
  return out;
}

std::vector<float> hearth_logits(const std::string& path, const std::vector<int32_t>& prompt) {
  ContextParams params;
  params.n_ctx = 512;
  params.n_threads = 2;
  Context ctx(Model::load(GgufFile::open(path)), params);
  ctx.decode(prompt.data(), prompt.size());
  return std::vector<float>(ctx.logits(), ctx.logits() + ctx.n_vocab());
}

class ReferenceForward : public ::testing::TestWithParam<Case> {};

TEST_P(ReferenceForward, LogitsMatchWithinRounding) {
  const Case& c = GetParam();
  const bool bf16 = c.model.rfind("bf16:", 0) == 0;
  const std::string src = test::data_path("models/" + (bf16 ? c.model.substr(5) : c.model));
  const std::string json = test::data_path("models/reference/" + c.prompt + ".json");
  HEARTH_REQUIRE_DATA(src);
  HEARTH_REQUIRE_DATA(json);
  std::ifstream in(json);
  const auto prompt = nlohmann::json::parse(in)["prompt_ids"].get<std::vector<int32_t>>();
  const std::string path = bf16 ? bf16_copy(src) : src;
  const std::vector<float> ref = test::eigen_forward_last_logits(path, prompt);
  double ref_max = 0, ref_ss = 0;
  for (const float r : ref) {
    ref_max = std::max(ref_max, std::fabs(static_cast<double>(r)));
    ref_ss += static_cast<double>(r) * r;
  }
  const double ref_rms = std::sqrt(ref_ss / static_cast<double>(ref.size()));
  const double u = std::max(c.u, 1.0 / 2048);
  for (const bool onednn : {true, false}) {
    kernels::onednn::set_enabled(onednn);
    const std::vector<float> got = hearth_logits(path, prompt);
    kernels::onednn::set_enabled(false);  // the default (opt-in)
    ASSERT_EQ(got.size(), ref.size());
    double max_d = 0, ss = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      const double d = static_cast<double>(got[i]) - ref[i];
      max_d = std::max(max_d, std::fabs(d));
      ss += d * d;
    }
    const double rms_d = std::sqrt(ss / static_cast<double>(ref.size()));
    SCOPED_TRACE(c.model + (onednn ? " (oneDNN on)" : " (oneDNN off)"));
    EXPECT_LE(max_d, 16 * u * ref_max) << "max |logit| " << ref_max;
    EXPECT_LE(rms_d, 8 * u * ref_rms) << "rms logit " << ref_rms;
    std::printf("%-36s oneDNN %-3s max|d| %.2e (%.2f u max|ref|)  rms %.2e (%.2f u rms)\n",
                c.model.c_str(), onednn ? "on" : "off", max_d, max_d / (u * ref_max), rms_d,
                rms_d / (u * ref_rms));
  }
  if (bf16) std::filesystem::remove(path);
}

constexpr double kF16 = 1.0 / 2048, kBF16 = 1.0 / 256, kQ8 = 1.0 / 254;

INSTANTIATE_TEST_SUITE_P(
    SharedModels, ReferenceForward,
    ::testing::Values(Case{"real/stories260K.gguf", "stories260K.long", 0},
                      Case{"bf16:real/stories260K.gguf", "stories260K.long", kBF16},
                      Case{"real/TinyStories-656K-Q8_0.gguf", "TinyStories-656K-Q8_0.long", kQ8},
                      Case{"synth/llama-d256-f16.gguf", "llama-d256-f16.rand64", kF16},
                      Case{"synth/llama-d256-q8_0.gguf", "llama-d256-q8_0.rand64", kQ8},
                      Case{"synth/llama-d256-q4_k_m.gguf", "llama-d256-q4_k_m.rand64", kQ8}),
    [](const ::testing::TestParamInfo<Case>& i) {
      std::string n = i.param.model.substr(i.param.model.find_last_of("/:") + 1);
      n = n.substr(0, n.find(".gguf")) + (i.param.model.rfind("bf16:", 0) == 0 ? "_bf16" : "");
      for (char& ch : n)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return n;
    });

}  // namespace
}  // namespace hearth

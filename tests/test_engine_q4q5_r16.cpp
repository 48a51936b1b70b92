// The hard rule of the repacked Q4_1 / Q5_0 / Q5_1 weights, end to end: a request's logits are
// the same bits whether the engine decodes it alone (matmuls of one token) or beside seven others
// (matmuls of eight tokens, the batch kernels' size), on a model quantized by hearth from the
// shared llama-d256 F16 file. Before the R16 layout, one token went through the per-row dot
// products and eight through the batch kernel, whose float sums differ in order. In the Engine
// suite so that the per-ISA fidelity runs (ctest fidelity_isa_avx2 / _avxvnni, filter Engine.*)
// select it. Every table must pass: the x86 ones read the R16 layout for these types (AVX-512
// through AVX2's kernels, for this reason), scalar and NEON decode and batch with the same dot
// products.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine.hpp"
#include "hearth/gguf.hpp"
#include "hearth/model.hpp"
#include "hearth/quantize_model.hpp"
#include "kernels/kernel_table.hpp"
#include "test_data.hpp"

namespace hearth::engine {
namespace {

namespace fs = std::filesystem;

TEST(Engine, Q4Q5RepackedLogitsBitIdenticalAloneAndBatched) {
  const std::string src = test::data_path("models/synth/llama-d256-f16.gguf");
  HEARTH_REQUIRE_DATA(src);
  // Unique per process: the per-ISA fidelity suites run this test beside the main one.
  const fs::path dir =
      fs::temp_directory_path() / ("hearth_engine_q4q5_r16_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  int checked = 0;
  const std::pair<const char*, DType> types[] = {
      {"q4_1", DType::Q4_1}, {"q5_0", DType::Q5_0}, {"q5_1", DType::Q5_1}};
  for (const auto& [type, dtype] : types) {
    SCOPED_TRACE(type);
    const kernels::GemmKernel* g = kernels::active_kernels().gemm[static_cast<int>(dtype)];
    QuantizeOptions q;
    q.input = src;
    q.output = (dir / (std::string(type) + ".gguf")).string();
    q.type = quantize_type_from_name(type);
    q.n_threads = 2;
    quantize_model(q);
    auto model = Model::load(GgufFile::open(q.output));
    // The attention weights (rows of 256) are of the type and repacked at load.
    const TensorView& wq = model->layers[0].wq;
    ASSERT_EQ(wq.type, dtype);
    if (g && g->run_packed) {
      ASSERT_NE(wq.packed, nullptr);
    }
    ++checked;
    std::mt19937 rng(3);
    std::uniform_int_distribution<int32_t> id(1, model->config().n_vocab - 1);
    std::vector<std::vector<int32_t>> prompts(8);
    for (int i = 0; i < 8; ++i)
      for (int t = 0; t < 5 + 9 * i; ++t) prompts[i].push_back(id(rng));
    auto run = [&](int n_requests) {
      EngineParams p;
      p.n_ctx = 256;
      p.n_threads = 2;
      p.max_running = 8;
      p.token_budget = 40;
      p.kv_blocks = 128;
      Engine engine(model, p);
      std::vector<std::vector<float>> got;
      std::vector<RequestOptions> opts;
      for (int i = 0; i < n_requests; ++i) {
        RequestOptions o;
        o.prompt = prompts[(i + 5) % 8];  // request 0: 50 tokens, prefilled in two chunks
        o.max_tokens = 10;
        if (i == 0)
          o.on_logits = [&got](const float* l, int n) { got.insert(got.end(), {l, l + n}); };
        opts.push_back(std::move(o));
      }
      // Admitted in one step, so request 0 decodes beside the others.
      for (auto& r : engine.submit_all(std::move(opts))) EXPECT_TRUE(r->wait(60000));
      return got;
    };
    const auto alone = run(1);
    const auto batched = run(8);
    ASSERT_FALSE(alone.empty());
    ASSERT_EQ(alone.size(), batched.size());
    for (size_t i = 0; i < alone.size(); ++i)
      EXPECT_EQ(0, std::memcmp(alone[i].data(), batched[i].data(), alone[i].size() * sizeof(float)))
          << "step " << i;
  }
  fs::remove_all(dir);
  EXPECT_EQ(checked, 3);
}

}  // namespace
}  // namespace hearth::engine

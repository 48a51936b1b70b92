// The loader's weight repacking (model/weight_repack.hpp): started before the tokenizer and
// finished after it, it must leave exactly the portable packer's bytes, and an unfinished copy
// (an error between the halves) must stop, join its threads and set no `packed`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "hearth/gguf.hpp"
#include "hearth/model.hpp"
#include "hearth/synth.hpp"
#include "kernels/kernel_table.hpp"
#include "kernels/packed_rows.hpp"
#include "model/weight_repack.hpp"
#include "test_data.hpp"

namespace fs = std::filesystem;
using namespace hearth;

namespace {

fs::path synth_file(const std::string& type) {
  const auto vocab = test::data_path("testdata/tokenizer/ggml-vocab-qwen2.gguf");
  // Unique per process and test: ctest runs each test (and the per-ISA suites) in parallel.
  const fs::path out =
      fs::temp_directory_path() /
      ("hearth_repack_" + std::to_string(::getpid()) + "_" +
       ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" + type + ".gguf");
  SynthOptions o;
  o.preset = "tiny-qwen2";
  o.vocab_path = vocab;
  o.output_path = out.string();
  o.type = type;
  synth_model(o);
  return out;
}

std::vector<const TensorView*> matmul_views(const Model& m) {
  std::vector<const TensorView*> v{&m.output};
  for (const LayerWeights& l : m.layers)
    for (const TensorView* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.ffn_gate, &l.ffn_up, &l.ffn_down})
      v.push_back(w);
  return v;
}

}  // namespace

TEST(WeightRepack, LoadedModelHoldsThePortablePackersBytes) {
  HEARTH_REQUIRE_DATA(test::data_path("testdata/tokenizer/ggml-vocab-qwen2.gguf"));
  for (const std::string type : {"q8_0", "q4_0"}) {
    SCOPED_TRACE(type);
    const fs::path path = synth_file(type);
    auto model = Model::load(GgufFile::open(path.string()));
    ASSERT_TRUE(model->tokenizer());  // built while the other threads repacked
    int packed = 0;
    for (const TensorView* w : matmul_views(*model)) {
      const kernels::GemmKernel* g = kernels::active_kernels().gemm[static_cast<int>(w->type)];
      if (!g || !g->run_packed) {
        EXPECT_EQ(w->packed, nullptr);
        continue;
      }
      ASSERT_NE(w->packed, nullptr);
      const int64_t groups = w->n_out / kernels::kPackedRows;
      std::vector<uint8_t> expect(static_cast<size_t>(groups) * kernels::kPackedRows *
                                  w->row_bytes);
      kernels::pack_rows16(w->type, w->data, w->row_bytes, w->n_in, 0, groups, expect.data());
      ASSERT_EQ(std::memcmp(w->packed, expect.data(), expect.size()), 0);
      ++packed;
    }
    if (packed == 0) GTEST_SKIP() << "the active kernels read no R16 layout";
    EXPECT_GT(model->repacked_bytes(), 0u);
    model.reset();
    fs::remove(path);
  }
}

TEST(WeightRepack, UnfinishedCopyStopsAndSetsNoPackedRows) {
  HEARTH_REQUIRE_DATA(test::data_path("testdata/tokenizer/ggml-vocab-qwen2.gguf"));
  const fs::path path = synth_file("q8_0");
  auto file = GgufFile::open(path.string());
  {
    // Views of the file's weights, as the loader builds them.
    auto model = Model::load(file);
    std::vector<TensorView> views;
    for (const TensorView* w : matmul_views(*model)) {
      TensorView v = *w;
      v.packed = nullptr;
      views.push_back(v);
    }
    std::vector<TensorView*> ptrs;
    for (TensorView& v : views) ptrs.push_back(&v);
    for (int i = 0; i < 20; ++i) {
      { model::WeightRepack repack(*file, ptrs); }  // destroyed unfinished, threads running
      for (const TensorView& v : views) ASSERT_EQ(v.packed, nullptr);
    }
    size_t bytes = 0;
    model::WeightRepack repack(*file, ptrs);
    auto buffer = repack.finish(&bytes);
    if (buffer) {
      EXPECT_EQ(bytes, model->repacked_bytes());
      for (size_t i = 0; i < views.size(); ++i) {
        const TensorView* w = matmul_views(*model)[i];
        ASSERT_EQ(views[i].packed != nullptr, w->packed != nullptr);
        if (!w->packed) continue;
        const size_t n = static_cast<size_t>(w->n_out / kernels::kPackedRows) *
                         kernels::kPackedRows * w->row_bytes;
        EXPECT_EQ(std::memcmp(views[i].packed, w->packed, n), 0);
      }
    }
  }
  fs::remove(path);
}

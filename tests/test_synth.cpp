// hearth synth: files of the right shapes that hearth (and llama.cpp) load and run.
#include <gtest/gtest.h>

#include <cmath>

#include "hearth/context.hpp"
#include "hearth/error.hpp"
#include "hearth/model.hpp"
#include "hearth/synth.hpp"
#include "test_data.hpp"

namespace fs = std::filesystem;
using namespace hearth;

TEST(Synth, TinyPresetsLoadAndRun) {
  const auto vocab = test::data_path("testdata/tokenizer/ggml-vocab-llama-spm.gguf");
  HEARTH_REQUIRE_DATA(vocab);
  for (const std::string preset : {"tiny-llama", "tiny-qwen2", "tiny-qwen3"}) {
    for (const std::string type : {"q8_0", "q4_0", "f16"}) {
      SCOPED_TRACE(preset + " " + type);
      const fs::path out = fs::temp_directory_path() / ("hearth_synth_" + preset + type + ".gguf");
      SynthOptions o;
      o.preset = preset;
      o.vocab_path = vocab;
      o.output_path = out.string();
      o.type = type;
      synth_model(o);
      auto file = GgufFile::open(out.string());
      auto model = Model::load(file);
      const SynthPreset& p = find_synth_preset(preset);
      EXPECT_EQ(model->config().architecture, p.architecture);
      EXPECT_EQ(model->config().n_layer, p.n_layer);
      EXPECT_EQ(model->config().head_dim, p.head_dim);
      EXPECT_EQ(model->config().n_vocab, 32000);
      EXPECT_EQ(file->find_tensor("blk.0.attn_q.weight")->type, *dtype_from_name(type));
      EXPECT_EQ(file->find_tensor("blk.0.attn_norm.weight")->type, DType::F32);
      EXPECT_EQ(file->get_string("tokenizer.ggml.model"), "llama");
      ContextParams cp;
      cp.n_ctx = 32;
      cp.n_threads = 1;
      Context ctx(model, cp);
      const int32_t tokens[] = {1, 100, 200};
      ctx.decode(tokens, 3);
      for (int v = 0; v < 32000; v += 997) EXPECT_TRUE(std::isfinite(ctx.logits()[v]));
      fs::remove(out);
    }
  }
}

TEST(Synth, RejectsBadOptions) {
  SynthOptions o;
  o.preset = "no-such-model";
  o.vocab_path = "x";
  o.output_path = "y";
  EXPECT_THROW(synth_model(o), Error);
  o.preset = "tiny-llama";
  o.type = "q9_9";
  EXPECT_THROW(synth_model(o), Error);
  o.type = "q8_0";
  o.vocab_path = "/nonexistent.gguf";
  EXPECT_THROW(synth_model(o), Error);
}

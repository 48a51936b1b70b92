// JSON Schema -> grammar, end to end: for every schema in tests/data/schemas/ (together they use
// every supported keyword), greedy and sampled generations (several seeds; one with llama.cpp's
// truncation chain, where the sampler checks its draw before masking) on a real SPM model and
// a synthetic byte-level BPE model must end (the grammar forces end-of-generation) and
// parse and validate against the schema with an independent validator (python3-jsonschema,
// tests/grammar_validate.py).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "generate/generate.hpp"
#include "grammar/json_schema.hpp"
#include "hearth/context.hpp"
#include "hearth/gguf.hpp"
#include "hearth/model.hpp"
#include "hearth/synth.hpp"
#include "hearth/tokenizer.hpp"
#include "test_data.hpp"

namespace hearth {
namespace {

namespace fs = std::filesystem;
const fs::path kTests = fs::path(__FILE__).parent_path();

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(GrammarSchema, GeneratedJsonValidatesWithJsonschema) {
  HEARTH_REQUIRE_DATA(test::data_path("models/real/stories260K.gguf"));
  HEARTH_REQUIRE_DATA(test::data_path("testdata/tokenizer/ggml-vocab-qwen2.gguf"));
  if (std::system("python3 -c 'import jsonschema' 2>/dev/null") != 0) {
    if (test::in_ci()) FAIL() << "python3-jsonschema missing in CI";
    GTEST_SKIP() << "python3-jsonschema is not installed (scripts/install-deps.sh)";
  }
  // Its own file: test_grammar_peer synthesizes the same model, and ctest runs both at once.
  const std::string qwen = std::string(HEARTH_BINARY_DIR) + "/grammar-schema-tiny-qwen2.gguf";
  if (!fs::exists(qwen)) {
    SynthOptions o;
    o.preset = "tiny-qwen2";
    o.vocab_path = test::data_path("testdata/tokenizer/ggml-vocab-qwen2.gguf");
    o.output_path = qwen;
    synth_model(o);
  }
  const std::string out_path = std::string(HEARTH_BINARY_DIR) + "/grammar-schema-outputs.jsonl";
  std::ofstream out(out_path);
  std::vector<fs::path> schemas;
  for (const auto& e : fs::directory_iterator(kTests / "data" / "schemas"))
    schemas.push_back(e.path());
  std::sort(schemas.begin(), schemas.end());
  ASSERT_GE(schemas.size(), 6u);
  int n = 0;
  for (const std::string& model_path : {test::data_path("models/real/stories260K.gguf"), qwen}) {
    auto model = Model::load(GgufFile::open(model_path));
    const Tokenizer& tok = *model->tokenizer();
    const auto prompt = tok.encode("Here is the JSON:", true, false);
    for (const auto& schema : schemas) {
      const std::string gbnf = grammar::json_schema_to_gbnf(slurp(schema));
      for (uint64_t seed : {0ull, 1ull, 2ull, 3ull}) {  // 0: greedy
        SCOPED_TRACE(model_path + " " + schema.string() + " seed " + std::to_string(seed));
        ContextParams params;
        params.n_ctx = 1024;
        params.n_threads = 2;
        Context ctx(model, params);
        GenerateOptions opt;
        opt.max_tokens = 900;
        opt.sampler.grammar = gbnf;
        if (seed) {
          opt.sampler.temperature = 1.0f;
          opt.sampler.seed = seed;
        }
        if (seed == 3) {  // llama.cpp's default chain: the sampler checks its draw first
          opt.sampler.temperature = 0.8f;
          opt.sampler.top_k = 40;
          opt.sampler.top_p = 0.95f;
          opt.sampler.min_p = 0.05f;
        }
        const GenerateResult r = generate(ctx, prompt.data(), prompt.size(), opt);
        EXPECT_EQ(r.stop_reason, StopReason::kEog) << "the grammar did not end the output";
        std::string text;
        for (int t : r.tokens) text += tok.token_to_piece(t, true);
        out << nlohmann::json{{"schema", schema.string()},
                              {"output", text},
                              {"what", fs::path(model_path).filename().string() + " " +
                                           schema.filename().string() + " seed " +
                                           std::to_string(seed)}}
                   .dump()
            << "\n";
        ++n;
      }
    }
  }
  out.close();
  EXPECT_EQ(n, static_cast<int>(schemas.size()) * 8);
  const std::string cmd = "python3 " + (kTests / "grammar_validate.py").string() + " " + out_path;
  EXPECT_EQ(std::system(cmd.c_str()), 0) << "outputs in " << out_path;
}

}  // namespace
}  // namespace hearth

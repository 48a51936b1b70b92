// hearth quantize against llama.cpp's llama-quantize. The recorded hashes are of the files
// llama-quantize (llama.cpp v0.5.0 libraries, llama_model_quantize with default parameters)
// wrote from the same shared inputs: hearth must write the same bytes — header, metadata order,
// tensor order, type mix and every block. The shared llama-d256-{q8_0,q4_0,q4_k_m}.gguf were
// made by llama.cpp from the original F32 weights rather than from the F16 file, so their blocks
// differ slightly from any quantization of the F16 file (see test_quant_models.cpp); their tensor
// types and order still must match hearth's plan.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "convert_test_util.hpp"
#include "hearth.h"
#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "hearth/quantize_model.hpp"
#include "test_data.hpp"

namespace fs = std::filesystem;
using namespace hearth;

namespace {

uint64_t fnv1a(const std::string& path, uint64_t* size) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> b(std::istreambuf_iterator<char>(in), {});
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : b) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ull;
  *size = b.size();
  return h;
}

struct Golden {
  const char* input;
  const char* type;
  uint64_t fnv;
  uint64_t size;
};

// llama-quantize's outputs (FNV-1a 64 of the whole file, and its size).
constexpr Golden kGolden[] = {
    {"models/synth/llama-d256-f16.gguf", "q8_0", 0x506d5db7f74b95ceull, 19391744},
    {"models/synth/llama-d256-f16.gguf", "q4_k_m", 0x845feed53853d2b8ull, 12764160},
    {"models/real/stories260K.gguf", "q4_0", 0x77ae05061ddb76a4ull, 277024},  // dim 64, ffn 172
    {"models/real/stories260K.gguf", "q4_k_m", 0x1233da4eeaedbafbull, 304096},
    {"models/real/stories260K.gguf", "q6_k", 0x5f7ad6a47947e36full, 379168},
    {"models/real/stories260K.gguf", "bf16", 0x1110248751f24504ull, 601248},
    {"models/real/TinyStories-656K-Q8_0.gguf", "q6_k", 0x9c8fe0e693f7782aull, 749728},
};

TEST(QuantizeModel, OutputIsByteIdenticalToLlamaQuantize) {
  test::TempDir dir;
  for (const auto& g : kGolden) {
    const std::string in = test::data_path(g.input);
    HEARTH_REQUIRE_DATA(in);
    QuantizeOptions o;
    o.input = in;
    o.output = dir / "out.gguf";
    o.type = quantize_type_from_name(g.type);
    o.n_threads = 2;
    quantize_model(o);
    uint64_t size = 0;
    const uint64_t h = fnv1a(o.output, &size);
    EXPECT_EQ(size, g.size) << g.input << " -> " << g.type;
    EXPECT_EQ(h, g.fnv) << g.input << " -> " << g.type;
  }
}

std::vector<TensorDesc> descs_of(const GgufFile& f) {
  std::vector<TensorDesc> out;
  for (const auto& t : f.tensors()) out.push_back({t.name, t.dims, t.type});
  return out;
}

TEST(QuantizeModel, PlanAndOrderMatchTheSharedLlamaCppFiles) {
  const std::string f16_path = test::data_path("models/synth/llama-d256-f16.gguf");
  HEARTH_REQUIRE_DATA(f16_path);
  const auto f16 = GgufFile::open(f16_path);
  for (const char* type : {"q8_0", "q4_0", "q4_k_m"}) {
    const std::string path =
        test::data_path(std::string("models/synth/llama-d256-") + type + ".gguf");
    HEARTH_REQUIRE_DATA(path);
    const auto ref = GgufFile::open(path);
    std::vector<std::string> names;
    for (const auto& t : f16->tensors()) names.push_back(t.name);
    const auto order = llama_tensor_order(names);
    std::vector<TensorDesc> descs;
    for (size_t i : order) descs.push_back(descs_of(*f16)[i]);
    const auto plan = plan_tensor_types(quantize_type_from_name(type), descs);
    ASSERT_EQ(ref->tensors().size(), plan.size());
    for (size_t i = 0; i < plan.size(); ++i) {
      EXPECT_EQ(ref->tensors()[i].name, descs[i].name) << type;
      EXPECT_EQ(dtype_name(ref->tensors()[i].type), dtype_name(plan[i]))
          << type << " " << descs[i].name;
    }
    EXPECT_EQ(ref->get_int("general.file_type").value_or(-1),
              quantize_file_type(quantize_type_from_name(type)));
  }
}

// The rules themselves on made-up models (llama.cpp's llama_tensor_get_type).
TEST(QuantizeModel, PlanRules) {
  auto model = [](int n_layers, uint64_t dim, bool tied) {
    std::vector<TensorDesc> t;
    t.push_back({"token_embd.weight", {dim, 1000}, DType::F16});
    if (!tied) t.push_back({"output.weight", {dim, 1000}, DType::F16});
    t.push_back({"output_norm.weight", {dim}, DType::F32});
    for (int i = 0; i < n_layers; ++i) {
      const std::string p = "blk." + std::to_string(i) + ".";
      t.push_back({p + "attn_norm.weight", {dim}, DType::F32});
      t.push_back({p + "attn_v.weight", {dim, dim}, DType::F16});
      t.push_back({p + "ffn_down.weight", {dim * 2, dim}, DType::F16});
      t.push_back({p + "ffn_up.weight", {dim, dim * 2}, DType::F16});
    }
    return t;
  };
  // 8 layers: use_more_bits picks layers 0 (first eighth), 7 (last eighth), 3 and 6.
  auto t = model(8, 256, false);
  auto p = plan_tensor_types(QuantizeType::kQ4_K_M, t);
  for (size_t i = 0; i < t.size(); ++i) {
    const std::string& n = t[i].name;
    DType expect = DType::Q4_K;
    if (n == "output.weight") expect = DType::Q6_K;
    if (n.find("norm") != std::string::npos) expect = DType::F32;
    for (int l : {0, 3, 6, 7}) {
      const std::string b = "blk." + std::to_string(l) + ".";
      if (n == b + "attn_v.weight" || n == b + "ffn_down.weight") expect = DType::Q6_K;
    }
    EXPECT_EQ(dtype_name(p[i]), dtype_name(expect)) << n;
  }
  // Tied embeddings: token_embd plays the output matrix (Q6_K) — not in q8_0.
  t = model(2, 256, true);
  p = plan_tensor_types(QuantizeType::kQ4_0, t);
  EXPECT_EQ(p[0], DType::Q6_K);
  EXPECT_EQ(plan_tensor_types(QuantizeType::kQ8_0, t)[0], DType::Q8_0);
  // Rows of 96: K types fall back (Q4_K -> Q5_0, Q6_K -> Q8_0); rows of 100: F16.
  t = model(1, 96, false);
  p = plan_tensor_types(QuantizeType::kQ4_K_M, t);
  EXPECT_EQ(p[0], DType::Q5_0);  // token_embd
  EXPECT_EQ(p[1], DType::Q8_0);  // output
  EXPECT_EQ(p[2], DType::F32);   // output_norm
  t = model(1, 100, false);
  p = plan_tensor_types(QuantizeType::kQ8_0, t);
  EXPECT_EQ(p[0], DType::F16);
  // Float targets convert every matrix and nothing else.
  p = plan_tensor_types(QuantizeType::kBF16, model(1, 100, false));
  EXPECT_EQ(p[0], DType::BF16);
  EXPECT_EQ(p[2], DType::F32);
  EXPECT_THROW(quantize_type_from_name("q3_k_s"), Error);
  EXPECT_EQ(quantize_type_from_name("Q4_K_M"), QuantizeType::kQ4_K_M);
}

TEST(QuantizeModel, CancelLeavesNoFileAndProgressIsMonotonic) {
  const std::string in = test::data_path("models/real/stories260K.gguf");
  HEARTH_REQUIRE_DATA(in);
  test::TempDir dir;
  QuantizeOptions o;
  o.input = in;
  o.output = dir / "out.gguf";
  o.type = QuantizeType::kQ8_0;
  uint64_t last = 0, calls = 0, final_total = 0;
  o.progress = [&](uint64_t done, uint64_t total) {
    EXPECT_GE(done, last);
    EXPECT_LE(done, total);
    last = done;
    final_total = total;
    return ++calls < 5;
  };
  try {
    quantize_model(o);
    FAIL() << "not cancelled";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kCancelled);
  }
  EXPECT_TRUE(dir.entries().empty());
  calls = 0;
  last = 0;
  o.progress = [&](uint64_t done, uint64_t total) {
    last = done;
    final_total = total;
    ++calls;
    return true;
  };
  quantize_model(o);
  EXPECT_EQ(last, final_total);
  EXPECT_GT(calls, 2u);
  EXPECT_TRUE(fs::exists(o.output));
}

int cancel_at_third(uint64_t, uint64_t, void* ud) {
  return ++*static_cast<int*>(ud) >= 3;
}
int never_cancel(uint64_t, uint64_t, void* ud) {
  ++*static_cast<int*>(ud);
  return 0;
}

TEST(QuantizeModel, CApi) {
  const std::string in = test::data_path("models/real/stories260K.gguf");
  HEARTH_REQUIRE_DATA(in);
  test::TempDir dir;
  const std::string out = dir / "q.gguf";
  int calls = 0;
  EXPECT_EQ(hearth_quantize(in.c_str(), out.c_str(), "q4_k_m", cancel_at_third, &calls),
            HEARTH_ERR_CANCELLED);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_EQ(hearth_quantize(in.c_str(), out.c_str(), "q9_9", nullptr, nullptr),
            HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(hearth_last_error()).find("q4_k_m"), std::string::npos);
  EXPECT_EQ(hearth_quantize(nullptr, out.c_str(), "q8_0", nullptr, nullptr),
            HEARTH_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(hearth_quantize((dir / "missing.gguf").c_str(), out.c_str(), "q8_0", nullptr, nullptr),
            HEARTH_ERR_IO);
  calls = 0;
  ASSERT_EQ(hearth_quantize(in.c_str(), out.c_str(), "q4_0", never_cancel, &calls), HEARTH_OK)
      << hearth_last_error();
  EXPECT_GT(calls, 0);
  hearth_model* model = nullptr;
  ASSERT_EQ(hearth_model_load(out.c_str(), nullptr, &model), HEARTH_OK) << hearth_last_error();
  hearth_model_free(model);
  const auto f = GgufFile::open(out);
  EXPECT_EQ(f->get_int("general.file_type").value_or(-1), 2);
  EXPECT_EQ(f->find_tensor("blk.0.attn_q.weight")->type, DType::Q4_0);
}

}  // namespace

// hearth quantize: the type plans against llama.cpp's files and rules, every type on real
// inputs (also under the sanitizers), cancellation and the C ABI. Byte identity with llama.cpp's
// quantizer is checked by tests/peer/quantize_check.py (ctest quantize_check): the shared
// SHA-256 list of llama-quantize's outputs and live llama.cpp runs on fresh inputs. The shared
// llama-d256-{q8_0,q4_0,q4_k_m}.gguf were made by llama.cpp from the original F32 weights rather
// than from the F16 file, so their blocks differ slightly from any quantization of the F16 file
// (see test_quant_models.cpp); their tensor types and order still must match hearth's plan.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "convert_test_util.hpp"
#include "hearth.h"
#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "hearth/quant.hpp"
#include "hearth/quantize_model.hpp"
#include "test_data.hpp"

namespace fs = std::filesystem;
using namespace hearth;

namespace {

constexpr const char* kAllTypes[] = {"f32",    "f16",    "bf16",   "q8_0",   "q4_0",   "q4_1",
                                     "q5_0",   "q5_1",   "q2_k",   "q3_k_s", "q3_k_m", "q3_k_l",
                                     "q4_k_s", "q4_k_m", "q5_k_s", "q5_k_m", "q6_k"};

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

// Every type on a real model: the file holds the planned types and llama.cpp's file type, and
// every tensor dequantizes close to the source (so hearth can read all it writes).
TEST(QuantizeModel, EveryTypeWritesItsPlanAndDequantizes) {
  test::TempDir dir;
  struct Source {
    const char* path;
    std::vector<const char*> types;
  };
  // stories260K's rows of 64 make every K type fall back; llama-d256's rows of 256 do not.
  const Source sources[] = {
      {"models/real/stories260K.gguf", {std::begin(kAllTypes), std::end(kAllTypes)}},
      {"models/synth/llama-d256-f16.gguf", {"q2_k", "q3_k_m", "q4_k_s", "q5_k_m"}}};
  for (const auto& src : sources) {
    const std::string in_path = test::data_path(src.path);
    HEARTH_REQUIRE_DATA(in_path);
    const auto in = GgufFile::open(in_path);
    for (const char* type : src.types) {
      SCOPED_TRACE(std::string(src.path) + " -> " + type);
      QuantizeOptions o;
      o.input = in_path;
      o.output = dir / "out.gguf";
      o.type = quantize_type_from_name(type);
      o.n_threads = 2;
      quantize_model(o);
      const auto out = GgufFile::open(o.output);
      EXPECT_EQ(out->get_int("general.file_type").value_or(-1), quantize_file_type(o.type));
      const auto plan = plan_tensor_types(o.type, descs_of(*out), quantize_model_info(*in));
      ASSERT_EQ(plan.size(), out->tensors().size());
      for (size_t i = 0; i < plan.size(); ++i) {
        const GgufTensorInfo& t = out->tensors()[i];
        EXPECT_EQ(dtype_name(t.type), dtype_name(plan[i])) << t.name;
        const GgufTensorInfo* s = in->find_tensor(t.name);
        ASSERT_NE(s, nullptr) << t.name;
        std::vector<float> want(s->n_elements), got(t.n_elements);
        dequantize_row(s->type, s->data, want.data(), want.size());
        dequantize_row(t.type, t.data, got.data(), got.size());
        double err = 0, ref = 0;
        for (size_t k = 0; k < want.size(); ++k) {
          err += (got[k] - want[k]) * double(got[k] - want[k]);
          ref += want[k] * double(want[k]);
        }
        // Q2_K, the coarsest, keeps about 3/4 of the signal on these weights.
        EXPECT_LE(std::sqrt(err / std::max(ref, 1e-30)), 0.5) << t.name;
      }
    }
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
  EXPECT_THROW(quantize_type_from_name("iq2_xs"), Error);
  EXPECT_EQ(quantize_type_from_name("Q4_K_M"), QuantizeType::kQ4_K_M);

  // The other mixes on 8 layers (llama-quant.cpp's llama_tensor_get_type_impl).
  t = model(8, 256, false);
  auto expect_mix = [&](QuantizeType q, const QuantizeModelInfo& info, auto rule) {
    const auto plan = plan_tensor_types(q, t, info);
    for (size_t i = 0; i < t.size(); ++i) {
      const std::string& n = t[i].name;
      const int layer = n.rfind("blk.", 0) == 0 ? std::stoi(n.substr(4)) : -1;
      const DType want = n.find("norm") != std::string::npos ? DType::F32
                         : n == "output.weight"              ? DType::Q6_K
                                                             : rule(n, layer);
      EXPECT_EQ(dtype_name(plan[i]), dtype_name(want)) << quantize_type_name(q) << " " << n;
    }
  };
  auto has = [](const std::string& n, const char* part) {
    return n.find(part) != std::string::npos;
  };
  QuantizeModelInfo gqa2{"llama", 8, 8, 4, 0}, gqa4{"llama", 8, 8, 2, 0};
  // Q2_K: attn_v Q3_K (Q4_K from GQA 4 on), ffn_down Q3_K.
  for (const auto& info : {gqa2, gqa4})
    expect_mix(QuantizeType::kQ2_K, info, [&](const std::string& n, int) {
      if (has(n, "attn_v")) return info.n_gqa() >= 4 ? DType::Q4_K : DType::Q3_K;
      return has(n, "ffn_down") ? DType::Q3_K : DType::Q2_K;
    });
  // Q3_K_M: the first two attn_v Q5_K, the others and every ffn_down Q4_K.
  expect_mix(QuantizeType::kQ3_K_M, gqa2, [&](const std::string& n, int l) {
    if (has(n, "attn_v")) return l < 2 ? DType::Q5_K : DType::Q4_K;
    return has(n, "ffn_down") ? DType::Q4_K : DType::Q3_K;
  });
  // Q4_K_S: the first four attn_v and the first eighth of ffn_down Q5_K.
  expect_mix(QuantizeType::kQ4_K_S, gqa2, [&](const std::string& n, int l) {
    if (has(n, "attn_v")) return l < 4 ? DType::Q5_K : DType::Q4_K;
    return has(n, "ffn_down") && l < 1 ? DType::Q5_K : DType::Q4_K;
  });
  // Q5_K_M: Q4_K_M's pattern one step up.
  expect_mix(QuantizeType::kQ5_K_M, gqa2, [&](const std::string& n, int l) {
    const bool more = l == 0 || l == 3 || l == 6 || l == 7;
    return (has(n, "attn_v") || has(n, "ffn_down")) && more ? DType::Q6_K : DType::Q5_K;
  });
  // Legacy types: only the output matrix changes.
  expect_mix(QuantizeType::kQ5_1, gqa2, [](const std::string&, int) { return DType::Q5_1; });
  // Rows of 96: Q2_K / Q3_K fall back to Q4_0.
  t = model(1, 96, false);
  p = plan_tensor_types(QuantizeType::kQ2_K, t);
  EXPECT_EQ(p[0], DType::Q4_0);  // token_embd
  EXPECT_EQ(p[1], DType::Q8_0);  // output
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

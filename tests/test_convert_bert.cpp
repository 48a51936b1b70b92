// `hearth convert` on a Hugging Face BERT checkpoint that the test writes itself (config.json,
// model.safetensors, vocab.txt, 1_Pooling/config.json): the converted file's WordPiece ids are
// the vocab.txt positions worked out by hand, and its mean-pooled embeddings equal a plain
// double-precision BERT forward pass written here from the model's definition (erf GELU, as
// transformers' "gelu"; hearth, like llama.cpp, uses the tanh form, hence the tolerance).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "convert_test_util.hpp"
#include "embed/embedder.hpp"
#include "hearth/convert.hpp"
#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "hearth/tokenizer.hpp"

using namespace hearth;

namespace {

constexpr int kE = 8, kH = 2, kL = 2, kF = 16, kP = 16, kT = 2;
const std::vector<std::string> kVocab = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
                                         "hello", "world", "!",     "play",  "##ing",
                                         "the",   "a",     "##s"};
const uint64_t kV = kVocab.size();

using Mat = std::vector<double>;  // row-major [rows][cols]

struct Weights {
  std::map<std::string, std::pair<std::vector<uint64_t>, Mat>> t;
  uint32_t state = 12345;
  double next() {  // deterministic values in [-1, 1)
    state = state * 1664525u + 1013904223u;
    return static_cast<double>(state >> 8) / (1 << 23) - 1.0;
  }
  const Mat& add(const std::string& name, std::vector<uint64_t> shape, double scale,
                 double offset = 0) {
    size_t n = 1;
    for (auto d : shape) n *= d;
    Mat m(n);
    for (auto& x : m) x = offset + scale * next();
    return (t[name] = {shape, m}).second;
  }
  const Mat& get(const std::string& name) const { return t.at(name).second; }
};

std::string f32_bytes(const Mat& m) {
  std::string b(m.size() * 4, '\0');
  for (size_t i = 0; i < m.size(); ++i) {
    const float f = static_cast<float>(m[i]);
    std::memcpy(&b[i * 4], &f, 4);
  }
  return b;
}

Weights make_weights() {
  Weights w;
  w.add("embeddings.word_embeddings.weight", {kV, kE}, 0.8);
  w.add("embeddings.position_embeddings.weight", {kP, kE}, 0.3);
  w.add("embeddings.token_type_embeddings.weight", {kT, kE}, 0.3);
  w.add("embeddings.LayerNorm.weight", {kE}, 0.2, 1.0);
  w.add("embeddings.LayerNorm.bias", {kE}, 0.1);
  for (int i = 0; i < kL; ++i) {
    const std::string p = "encoder.layer." + std::to_string(i) + ".";
    for (const char* n : {"attention.self.query", "attention.self.key", "attention.self.value",
                          "attention.output.dense"}) {
      w.add(p + n + ".weight", {kE, kE}, 0.5);
      w.add(p + n + ".bias", {kE}, 0.1);
    }
    w.add(p + "attention.output.LayerNorm.weight", {kE}, 0.2, 1.0);
    w.add(p + "attention.output.LayerNorm.bias", {kE}, 0.1);
    w.add(p + "intermediate.dense.weight", {kF, kE}, 0.5);
    w.add(p + "intermediate.dense.bias", {kF}, 0.1);
    w.add(p + "output.dense.weight", {kE, kF}, 0.4);
    w.add(p + "output.dense.bias", {kE}, 0.1);
    w.add(p + "output.LayerNorm.weight", {kE}, 0.2, 1.0);
    w.add(p + "output.LayerNorm.bias", {kE}, 0.1);
  }
  w.add("pooler.dense.weight", {kE, kE}, 0.5);  // not used for embeddings
  w.add("pooler.dense.bias", {kE}, 0.1);
  return w;
}

void write_checkpoint(const std::string& dir, const Weights& w, uint64_t vocab_size = kV) {
  std::filesystem::create_directories(dir + "/1_Pooling");
  nlohmann::json config = {
      {"architectures", {"BertModel"}}, {"model_type", "bert"},      {"hidden_size", kE},
      {"num_hidden_layers", kL},        {"num_attention_heads", kH}, {"intermediate_size", kF},
      {"max_position_embeddings", kP},  {"type_vocab_size", kT},     {"vocab_size", vocab_size},
      {"hidden_act", "gelu"},           {"layer_norm_eps", 1e-12}};
  test::write_file(dir + "/config.json", config.dump());
  std::string vocab;
  for (const auto& t : kVocab) vocab += t + "\n";
  test::write_file(dir + "/vocab.txt", vocab);
  test::write_file(dir + "/tokenizer_config.json", R"({"do_lower_case": true})");
  test::write_file(dir + "/1_Pooling/config.json", R"({"pooling_mode_mean_tokens": true})");
  std::vector<test::StEntry> entries;
  for (const auto& [name, v] : w.t) entries.push_back({name, "F32", v.first, f32_bytes(v.second)});
  // position ids, an int64 buffer transformers saves: not a weight, dropped
  std::string ids(kP * 8, '\0');
  for (int i = 0; i < kP; ++i) ids[i * 8] = static_cast<char>(i);
  entries.push_back({"embeddings.position_ids", "I64", {1, kP}, ids});
  test::write_file(dir + "/model.safetensors", test::safetensors_bytes(entries));
}

// y = W x + b for W [out][in].
std::vector<double> linear(const Mat& W, const Mat& b, const std::vector<double>& x) {
  const size_t out = b.size(), in = x.size();
  std::vector<double> y(out);
  for (size_t o = 0; o < out; ++o) {
    double s = b[o];
    for (size_t i = 0; i < in; ++i) s += W[o * in + i] * x[i];
    y[o] = s;
  }
  return y;
}

void layer_norm(std::vector<double>& x, const Mat& g, const Mat& b) {
  double mean = 0, var = 0;
  for (double v : x) mean += v;
  mean /= x.size();
  for (double v : x) var += (v - mean) * (v - mean);
  var /= x.size();
  for (size_t i = 0; i < x.size(); ++i) x[i] = (x[i] - mean) / std::sqrt(var + 1e-12) * g[i] + b[i];
}

// BERT (transformers' BertModel), mean pooling over the tokens, L2-normalised.
std::vector<double> reference_embedding(const Weights& w, const std::vector<int>& ids) {
  const size_t n = ids.size(), d = kE / kH;
  std::vector<std::vector<double>> x(n, std::vector<double>(kE));
  for (size_t t = 0; t < n; ++t) {
    for (int e = 0; e < kE; ++e)
      x[t][e] = w.get("embeddings.word_embeddings.weight")[ids[t] * kE + e] +
                w.get("embeddings.position_embeddings.weight")[t * kE + e] +
                w.get("embeddings.token_type_embeddings.weight")[e];
    layer_norm(x[t], w.get("embeddings.LayerNorm.weight"), w.get("embeddings.LayerNorm.bias"));
  }
  for (int l = 0; l < kL; ++l) {
    const std::string p = "encoder.layer." + std::to_string(l) + ".";
    auto lin = [&](const std::string& name, const std::vector<double>& v) {
      return linear(w.get(p + name + ".weight"), w.get(p + name + ".bias"), v);
    };
    std::vector<std::vector<double>> q(n), k(n), v(n);
    for (size_t t = 0; t < n; ++t) {
      q[t] = lin("attention.self.query", x[t]);
      k[t] = lin("attention.self.key", x[t]);
      v[t] = lin("attention.self.value", x[t]);
    }
    for (size_t t = 0; t < n; ++t) {
      std::vector<double> ctx(kE, 0.0);
      for (int h = 0; h < kH; ++h) {
        std::vector<double> s(n);
        double mx = -1e300, sum = 0;
        for (size_t u = 0; u < n; ++u) {
          double dot = 0;
          for (size_t i = 0; i < d; ++i) dot += q[t][h * d + i] * k[u][h * d + i];
          s[u] = dot / std::sqrt(static_cast<double>(d));
          mx = std::max(mx, s[u]);
        }
        for (auto& z : s) sum += (z = std::exp(z - mx));
        for (size_t u = 0; u < n; ++u)
          for (size_t i = 0; i < d; ++i) ctx[h * d + i] += s[u] / sum * v[u][h * d + i];
      }
      const auto a = lin("attention.output.dense", ctx);
      for (int e = 0; e < kE; ++e) ctx[e] = x[t][e] + a[e];
      layer_norm(ctx, w.get(p + "attention.output.LayerNorm.weight"),
                 w.get(p + "attention.output.LayerNorm.bias"));
      auto up = lin("intermediate.dense", ctx);
      for (auto& z : up) z = 0.5 * z * (1.0 + std::erf(z / std::sqrt(2.0)));
      const auto down = lin("output.dense", up);
      for (int e = 0; e < kE; ++e) x[t][e] = ctx[e] + down[e];
      layer_norm(x[t], w.get(p + "output.LayerNorm.weight"), w.get(p + "output.LayerNorm.bias"));
    }
  }
  std::vector<double> pooled(kE, 0.0);
  for (const auto& row : x)
    for (int e = 0; e < kE; ++e) pooled[e] += row[e] / n;
  double norm = 0;
  for (double z : pooled) norm += z * z;
  for (double& z : pooled) z /= std::sqrt(norm);
  return pooled;
}

struct Case {
  std::string text;
  std::vector<int> ids;  // by hand from kVocab's positions: [CLS]=2 ... [SEP]=3
};
const std::vector<Case> kCases = {{"hello world!", {2, 5, 6, 7, 3}},
                                  {"Playing the hello", {2, 8, 9, 10, 5, 3}},
                                  {"a worlds", {2, 11, 6, 12, 3}},
                                  {"hello qqq", {2, 5, 1, 3}}};

TEST(ConvertBert, TokensAndEmbeddingsMatchTheReference) {
  test::TempDir tmp;
  const std::string dir = tmp / "tiny-bert";
  const Weights w = make_weights();
  write_checkpoint(dir, w);
  for (const char* type : {"f32", "f16"}) {
    SCOPED_TRACE(type);
    ConvertOptions o;
    o.input = dir;
    o.output = tmp / (std::string("bert-") + type + ".gguf");
    o.type = convert_type_from_name(type);
    convert_model(o);

    const auto file = GgufFile::open(o.output);
    EXPECT_EQ(file->get_string("general.architecture").value_or(""), "bert");
    EXPECT_EQ(file->get_int("bert.pooling_type").value_or(-1), 1);
    for (const char* t :
         {"token_embd.weight", "token_types.weight", "position_embd.weight", "token_embd_norm.bias",
          "blk.1.attn_q.weight", "blk.1.attn_output.bias", "blk.1.attn_output_norm.weight",
          "blk.1.ffn_up.weight", "blk.1.ffn_down.bias", "blk.1.layer_output_norm.bias"})
      EXPECT_NE(file->find_tensor(t), nullptr) << t;
    const auto tok = Tokenizer::from_gguf(*file);
    ASSERT_NE(tok, nullptr);
    for (const auto& c : kCases) {
      std::vector<int32_t> want(c.ids.begin(), c.ids.end());
      EXPECT_EQ(tok->encode(c.text, true, false), want) << c.text;
    }

    const auto embedder = embed::Embedder::load(o.output);
    ASSERT_EQ(embedder->dim(), kE);
    std::vector<std::string> texts;
    for (const auto& c : kCases) texts.push_back(c.text);
    const std::vector<float> got = embedder->embed(texts);
    const double tol = std::string(type) == "f32" ? 5e-4 : 3e-3;
    for (size_t i = 0; i < kCases.size(); ++i) {
      const auto want = reference_embedding(w, kCases[i].ids);
      double dot = 0, max_diff = 0;
      for (int e = 0; e < kE; ++e) {
        dot += want[e] * got[i * kE + e];
        max_diff = std::max(max_diff, std::abs(want[e] - got[i * kE + e]));
      }
      EXPECT_GT(dot, 1 - tol * tol) << kCases[i].text << ": cosine " << dot;
      EXPECT_LT(max_diff, tol) << kCases[i].text;
    }
  }
}

TEST(ConvertBert, BadCheckpointsAreClearErrors) {
  test::TempDir tmp;
  const Weights w = make_weights();
  auto status_of = [&](const std::string& dir) {
    ConvertOptions o;
    o.input = dir;
    o.output = tmp / "out.gguf";
    try {
      convert_model(o);
    } catch (const Error& e) {
      EXPECT_FALSE(std::filesystem::exists(o.output));
      return e.status();
    }
    return Status::kOk;
  };
  const std::string no_vocab = tmp / "no-vocab";
  write_checkpoint(no_vocab, w);
  std::filesystem::remove(no_vocab + "/vocab.txt");
  EXPECT_EQ(status_of(no_vocab), Status::kIoError);

  const std::string wrong_size = tmp / "wrong-size";
  write_checkpoint(wrong_size, w, kV + 1);
  EXPECT_EQ(status_of(wrong_size), Status::kInvalidModel);

  Weights extra = w;
  extra.add("encoder.layer.0.attention.self.rotary.weight", {kE}, 0.1);
  const std::string unknown = tmp / "unknown-tensor";
  write_checkpoint(unknown, extra);
  EXPECT_EQ(status_of(unknown), Status::kUnsupported);

  Weights missing = w;
  missing.t.erase("encoder.layer.1.output.dense.bias");
  const std::string incomplete = tmp / "missing-tensor";
  write_checkpoint(incomplete, missing);
  EXPECT_EQ(status_of(incomplete), Status::kInvalidModel);
}

}  // namespace

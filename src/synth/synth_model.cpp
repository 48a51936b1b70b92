// Synthetic model generator (see include/hearth/synth.hpp).
#include "hearth/synth.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/xoshiro.hpp"
#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "hearth/quant.hpp"
#include "synth/synth_plan.hpp"

namespace hearth {
namespace {

// Seeded weights: the same stream on every platform (core/xoshiro).
class Rng {
 public:
  explicit Rng(uint64_t seed) : generator_(seed) {}
  uint64_t next() { return generator_.next(); }
  // Approximately normal (Irwin–Hall of 4 uniforms) with the given standard deviation.
  float normal(float std) {
    const uint64_t r = next();
    float sum = 0;
    for (int k = 0; k < 4; ++k) sum += static_cast<float>((r >> (16 * k)) & 0xffff) / 65535.0f;
    return (sum - 2.0f) * std * 1.7320508f;  // var of the sum is 4/12
  }

 private:
  Xoshiro256 generator_;
};

using synth::PlannedTensor;

std::vector<PlannedTensor> plan(const SynthPreset& p, uint64_t n_vocab) {
  if (synth::is_encoder(p)) return synth::plan_encoder(p, n_vocab);
  const uint64_t d = p.n_embd, hd = p.head_dim, q = uint64_t(p.n_head) * hd,
                 kv = uint64_t(p.n_head_kv) * hd, ff = p.n_ff;
  std::vector<PlannedTensor> t;
  t.push_back({"token_embd.weight", {d, n_vocab}, PlannedTensor::kRandom});
  if (p.llama3_rope) t.push_back({"rope_freqs.weight", {hd / 2}, PlannedTensor::kRopeFreqs});
  for (int l = 0; l < p.n_layer; ++l) {
    const std::string b = fmt::format("blk.{}.", l);
    t.push_back({b + "attn_norm.weight", {d}, PlannedTensor::kOnes});
    t.push_back({b + "attn_q.weight", {d, q}, PlannedTensor::kRandom});
    t.push_back({b + "attn_k.weight", {d, kv}, PlannedTensor::kRandom});
    t.push_back({b + "attn_v.weight", {d, kv}, PlannedTensor::kRandom});
    if (p.architecture == "qwen2") {
      t.push_back({b + "attn_q.bias", {q}, PlannedTensor::kRandom});
      t.push_back({b + "attn_k.bias", {kv}, PlannedTensor::kRandom});
      t.push_back({b + "attn_v.bias", {kv}, PlannedTensor::kRandom});
    }
    if (p.architecture == "qwen3") {
      t.push_back({b + "attn_q_norm.weight", {hd}, PlannedTensor::kOnes});
      t.push_back({b + "attn_k_norm.weight", {hd}, PlannedTensor::kOnes});
    }
    t.push_back({b + "attn_output.weight", {q, d}, PlannedTensor::kRandom});
    t.push_back({b + "ffn_norm.weight", {d}, PlannedTensor::kOnes});
    t.push_back({b + "ffn_gate.weight", {d, ff}, PlannedTensor::kRandom});
    t.push_back({b + "ffn_up.weight", {d, ff}, PlannedTensor::kRandom});
    t.push_back({b + "ffn_down.weight", {ff, d}, PlannedTensor::kRandom});
  }
  t.push_back({"output_norm.weight", {d}, PlannedTensor::kOnes});
  if (!p.tied_embeddings) t.push_back({"output.weight", {d, n_vocab}, PlannedTensor::kRandom});
  // Qwen3-Reranker: the LM head's "yes" and "no" rows as a two-way classifier.
  if (p.reranker) t.push_back({"cls.output.weight", {d, 2}, PlannedTensor::kRandom});
  return t;
}

// Qwen3-Reranker's prompt, as its converter stores it ({query} and {document} filled in).
const char* const kQwen3RerankPrompt =
    "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query "
    "and the Instruct provided. Note that the answer can only be \"yes\" or \"no\"."
    "<|im_end|>\n<|im_start|>user\n<Instruct>: Given a web search query, retrieve relevant "
    "passages that answer the query\n<Query>: {query}\n<Document>: {document}<|im_end|>\n"
    "<|im_start|>assistant\n<think>\n\n</think>\n\n";

// llama.cpp's file-type ids for general.file_type.
int file_type_id(DType t) {
  switch (t) {
    case DType::F32:
      return 0;
    case DType::F16:
      return 1;
    case DType::Q4_0:
      return 2;
    case DType::Q8_0:
      return 7;
    case DType::Q4_K:
      return 15;
    case DType::Q6_K:
      return 18;
    case DType::BF16:
      return 32;
    default:
      return 0;
  }
}

// Vectors stay F32 (as every quantizer keeps them); matrices take the requested type, or Q8_0
// when their rows do not fit the type's block size.
DType tensor_type(const PlannedTensor& t, DType want) {
  if (t.dims.size() == 1) return DType::F32;
  // llama.cpp adds the token-type row to F32 activations directly: converters keep it F32.
  if (t.name == "token_types.weight") return DType::F32;
  if (t.dims[0] % dtype_traits(want).block_elems != 0) return DType::Q8_0;
  return want;
}

}  // namespace

const std::vector<SynthPreset>& synth_presets() {
  // Shapes from the models' published configs.
  static const std::vector<SynthPreset> presets = {
      {"smollm2-135m", "llama", 576, 30, 9, 3, 64, 1536, 8192, 100000.0f, 1e-5f, true, false},
      {"qwen2.5-0.5b", "qwen2", 896, 24, 14, 2, 64, 4864, 32768, 1000000.0f, 1e-6f, true, false},
      {"llama3.2-1b", "llama", 2048, 16, 32, 8, 64, 8192, 131072, 500000.0f, 1e-5f, true, true},
      {"qwen3-0.6b", "qwen3", 1024, 28, 16, 8, 128, 3072, 40960, 1000000.0f, 1e-6f, true, false},
      // Tiny shapes of each architecture, for tests.
      {"tiny-llama", "llama", 256, 2, 4, 2, 64, 512, 512, 10000.0f, 1e-5f, false, true},
      {"tiny-qwen2", "qwen2", 256, 2, 4, 2, 64, 512, 512, 1000000.0f, 1e-6f, true, false},
      {"tiny-qwen3", "qwen3", 256, 2, 4, 2, 128, 512, 512, 1000000.0f, 1e-6f, true, false},
      // Embedders and rerankers (WordPiece vocabulary for bert / nomic-bert, Qwen2 BPE for
      // qwen3). eps: layer_norm_epsilon for the encoders, RMS eps for qwen3.
      {"bge-small", "bert", 384, 12, 12, 12, 32, 1536, 512, 10000.0f, 1e-12f, false, false, 2},
      {"nomic-embed", "nomic-bert", 768, 12, 12, 12, 64, 3072, 2048, 1000.0f, 1e-12f, false, false,
       1},
      {"qwen3-embedding-0.6b", "qwen3", 1024, 28, 16, 8, 128, 3072, 32768, 1000000.0f, 1e-6f, true,
       false, 3, false, true},
      {"bge-reranker", "bert", 768, 12, 12, 12, 64, 3072, 512, 10000.0f, 1e-5f, false, false, 4,
       true},
      {"qwen3-reranker-0.6b", "qwen3", 1024, 28, 16, 8, 128, 3072, 32768, 1000000.0f, 1e-6f, true,
       false, 4, true},
      // Tiny embedders for tests.
      {"tiny-bert", "bert", 128, 2, 4, 4, 32, 256, 128, 10000.0f, 1e-12f, false, false, 1},
      {"tiny-nomic-bert", "nomic-bert", 128, 2, 4, 4, 32, 256, 256, 1000.0f, 1e-12f, false, false,
       1},
      {"tiny-qwen3-embedding", "qwen3", 128, 2, 4, 2, 64, 256, 256, 1000000.0f, 1e-6f, true, false,
       3, false, true},
      {"tiny-bert-reranker", "bert", 128, 2, 4, 4, 32, 256, 128, 10000.0f, 1e-12f, false, false, 4,
       true},
      {"tiny-qwen3-reranker", "qwen3", 128, 2, 4, 2, 64, 256, 256, 1000000.0f, 1e-6f, true, false,
       4, true},
  };
  return presets;
}

const SynthPreset& find_synth_preset(const std::string& name) {
  std::string known;
  for (const auto& p : synth_presets()) {
    if (p.name == name) return p;
    known += (known.empty() ? "" : ", ") + p.name;
  }
  fail(Status::kInvalidArgument, fmt::format("unknown preset '{}' (known: {})", name, known));
}

void synth_model(const SynthOptions& o) {
  const SynthPreset& p = find_synth_preset(o.preset);
  const auto want = dtype_from_name(o.type);
  if (!want) fail(Status::kInvalidArgument, fmt::format("unknown tensor type '{}'", o.type));
  auto vocab = GgufFile::open(o.vocab_path);
  const auto* tokens = vocab->get_string_array("tokenizer.ggml.tokens");
  if (!tokens || tokens->empty())
    fail(Status::kInvalidModel, fmt::format("'{}' has no tokenizer.ggml.tokens", o.vocab_path));
  const uint64_t n_vocab = tokens->size();

  GgufWriter w;
  const std::string& a = p.architecture;
  w.set_string("general.architecture", a);
  w.set_string("general.name", fmt::format("synthetic {} ({})", p.name, o.type));
  w.set_u32("general.file_type", static_cast<uint32_t>(file_type_id(*want)));
  w.set_u32(a + ".context_length", static_cast<uint32_t>(p.context_length));
  w.set_u32(a + ".embedding_length", static_cast<uint32_t>(p.n_embd));
  w.set_u32(a + ".block_count", static_cast<uint32_t>(p.n_layer));
  w.set_u32(a + ".feed_forward_length", static_cast<uint32_t>(p.n_ff));
  w.set_u32(a + ".attention.head_count", static_cast<uint32_t>(p.n_head));
  w.set_u32(a + ".attention.head_count_kv", static_cast<uint32_t>(p.n_head_kv));
  w.set_u32(a + ".attention.key_length", static_cast<uint32_t>(p.head_dim));
  w.set_u32(a + ".attention.value_length", static_cast<uint32_t>(p.head_dim));
  w.set_u32(a + ".rope.dimension_count", static_cast<uint32_t>(p.head_dim));
  w.set_f32(a + ".rope.freq_base", p.rope_base);
  if (synth::is_encoder(p)) {
    w.set_f32(a + ".attention.layer_norm_epsilon", p.rms_eps);
    w.set_bool(a + ".attention.causal", false);
  } else {
    w.set_f32(a + ".attention.layer_norm_rms_epsilon", p.rms_eps);
  }
  if (p.pooling_type >= 0) w.set_u32(a + ".pooling_type", static_cast<uint32_t>(p.pooling_type));
  w.set_u32(a + ".vocab_size", static_cast<uint32_t>(n_vocab));
  for (const auto& [key, value] : vocab->metadata())
    if (key.rfind("tokenizer.", 0) == 0) w.set(key, value);
  if (synth::is_encoder(p)) w.set_u32("tokenizer.ggml.token_type_count", 2);
  if (p.add_eos) w.set_bool("tokenizer.ggml.add_eos_token", true);
  if (p.reranker && a == "qwen3") {
    w.set_string_array(a + ".classifier.output_labels", {"yes", "no"});
    w.set_string("tokenizer.chat_template.rerank", kQwen3RerankPrompt);
  }

  const auto planned = plan(p, n_vocab);
  uint64_t total = 0, done = 0;
  for (const auto& t : planned) total += t.dims[0] * (t.dims.size() > 1 ? t.dims[1] : 1);
  Rng rng(o.seed);
  std::vector<float> row;
  for (const auto& t : planned) {
    const DType type = tensor_type(t, *want);
    const uint64_t n_cols = t.dims[0], n_rows = t.dims.size() > 1 ? t.dims[1] : 1;
    const size_t rb = *row_bytes(type, n_cols);
    std::vector<uint8_t> data(rb * n_rows);
    row.resize(n_cols);
    for (uint64_t r = 0; r < n_rows; ++r) {
      for (uint64_t c = 0; c < n_cols; ++c) {
        switch (t.fill) {
          case PlannedTensor::kOnes:
            row[c] = 1.0f;
            break;
          case PlannedTensor::kNearOne:
            row[c] = 1.0f + rng.normal(0.1f);
            break;
          case PlannedTensor::kRopeFreqs:
            row[c] = c < n_cols / 4 ? 1.0f : 1.0f + c % 8;
            break;
          case PlannedTensor::kRandom:
            row[c] = rng.normal(0.02f);
            break;
        }
      }
      quantize_row(type, row.data(), data.data() + r * rb, n_cols);
    }
    done += n_cols * n_rows;
    if (o.progress && !o.progress(done, total))
      fail(Status::kCancelled, "synthetic model generation cancelled");
    w.add_tensor(t.name, type, t.dims, std::move(data));
  }
  w.write(o.output_path);
}

}  // namespace hearth

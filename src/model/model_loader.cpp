// Model::load — hyper-parameters from metadata and weight views into the mapping, validated.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "hearth/error.hpp"
#include "hearth/model.hpp"
#include "hearth/tokenizer.hpp"
#include "model/arch.hpp"
#include "model/repack_cache.hpp"
#include "model/tensor_lookup.hpp"
#include "model/weight_repack.hpp"

namespace hearth {
namespace model {

const ArchSpec* find_arch(std::string_view name) {
  for (const ArchSpec* spec : {&arch_llama(), &arch_qwen2(), &arch_qwen3()})
    if (spec->name == name) return spec;
  return nullptr;
}

}  // namespace model

namespace {

[[noreturn]] void bad_model(const std::string& msg) {
  fail(Status::kInvalidModel, msg);
}

// Copies the F32 vectors (norms, biases, RoPE factors) out of the mapping and points their views
// at the copies. They lie between the large weights, which the loader releases from resident
// memory once repacked; reading a vector in place faulted its neighbourhood back in (up to a
// 2 MiB folio per vector where the file system caches large folios: +36 MiB on llama3.2-1b after
// a prompt). A few hundred KiB.
std::vector<float> copy_vectors(const std::vector<TensorView*>& views) {
  size_t total = 0;
  for (const TensorView* v : views)
    if (*v) total += static_cast<size_t>(v->n_in);
  std::vector<float> copies(total);
  size_t at = 0;
  for (TensorView* v : views) {
    if (!*v) continue;
    std::memcpy(&copies[at], v->data, static_cast<size_t>(v->n_in) * sizeof(float));
    v->data = reinterpret_cast<const uint8_t*>(&copies[at]);
    at += static_cast<size_t>(v->n_in);
  }
  return copies;  // moving a vector keeps its storage, so the views stay valid
}

// Releases the mapped metadata (the tokenizer's vocabulary and merges: megabytes for a large
// vocabulary) from resident memory: the tokenizer holds its own copies, and what is read later
// (a chat template) is read again from the page cache.
void release_header(const GgufFile& f) {
  if (f.tensors().empty()) return;
  const GgufTensorInfo& t = f.tensors().front();
  const uint8_t* base = t.data - f.data_offset() - t.offset;
  f.release_pages(base, f.data_offset());
}

}  // namespace

bool Model::is_eog(int token) const {
  return std::find(config_.eog_tokens.begin(), config_.eog_tokens.end(), token) !=
         config_.eog_tokens.end();
}

std::shared_ptr<const Model> Model::load(std::shared_ptr<const GgufFile> file,
                                         const ModelLoadOptions& options) {
  if (!file) fail(Status::kInvalidArgument, "Model::load: no file");
  const GgufFile& f = *file;
  const std::string arch = f.get_string("general.architecture").value_or("");
  if (arch.empty()) bad_model("the model has no general.architecture");
  const model::ArchSpec* spec = model::find_arch(arch);
  if (!spec)
    fail(Status::kUnsupported,
         fmt::format("architecture '{}' is not supported (hearth runs llama, qwen2, qwen3)", arch));

  std::shared_ptr<Model> m(new Model());
  m->file_ = file;
  ModelConfig& c = m->config_;
  c.architecture = arch;
  c.rope_style = spec->rope_style;
  c.qkv_bias = spec->qkv_bias;
  c.qk_norm = spec->qk_norm;
  const std::string p = arch + ".";
  c.n_embd = model::metadata_dim(f, p + "embedding_length");
  c.n_layer = model::metadata_dim(f, p + "block_count");
  c.n_head = model::metadata_dim(f, p + "attention.head_count");
  c.n_head_kv = model::metadata_dim(f, p + "attention.head_count_kv", c.n_head);
  c.n_ff = model::metadata_dim(f, p + "feed_forward_length");
  c.n_ctx_train = model::metadata_dim(f, p + "context_length", 2048);
  if (c.n_head % c.n_head_kv != 0)
    bad_model(
        fmt::format("head_count {} is not a multiple of head_count_kv {}", c.n_head, c.n_head_kv));
  c.head_dim = model::metadata_dim(
      f, p + "attention.key_length",
      c.n_embd % c.n_head == 0 ? std::optional<int64_t>(c.n_embd / c.n_head) : std::nullopt);
  c.head_dim_v = model::metadata_dim(f, p + "attention.value_length", c.head_dim);
  if (c.head_dim_v != c.head_dim)
    fail(Status::kUnsupported, "attention.value_length != key_length is not supported");
  c.n_rot = model::metadata_dim(f, p + "rope.dimension_count", c.head_dim);
  if (c.n_rot > c.head_dim || c.n_rot % 2)
    bad_model(
        fmt::format("rope.dimension_count {} does not fit head size {}", c.n_rot, c.head_dim));
  c.rms_eps =
      static_cast<float>(f.get_float(p + "attention.layer_norm_rms_epsilon").value_or(1e-5));
  c.rope_base = static_cast<float>(f.get_float(p + "rope.freq_base").value_or(10000.0));
  if (auto type = f.get_string(p + "rope.scaling.type"); type && *type != "none") {
    if (*type != "linear")
      fail(Status::kUnsupported, fmt::format("rope scaling '{}' is not supported", *type));
    const double factor = f.get_float(p + "rope.scaling.factor").value_or(1.0);
    if (factor > 0) c.rope_freq_scale = static_cast<float>(1.0 / factor);
  } else if (auto factor = f.get_float(p + "rope.scale_linear"); factor && *factor > 0) {
    c.rope_freq_scale = static_cast<float>(1.0 / *factor);
  }

  // Vocabulary size: the embedding matrix is authoritative.
  const GgufTensorInfo* embd = f.find_tensor("token_embd.weight");
  if (!embd) bad_model("the model lacks the tensor 'token_embd.weight'");
  if (embd->dims.size() != 2) bad_model("token_embd.weight is not 2-D");
  c.n_vocab = static_cast<int>(embd->dims[1]);
  if (c.n_vocab <= 0) bad_model("token_embd.weight has no rows");

  auto token_id = [&](const char* key) {
    auto v = f.get_int(key);
    return v && *v >= 0 && *v < c.n_vocab ? static_cast<int>(*v) : -1;
  };
  c.bos_token = token_id("tokenizer.ggml.bos_token_id");
  c.eos_token = token_id("tokenizer.ggml.eos_token_id");

  const int q_dim = c.n_head * c.head_dim, kv_dim = c.n_head_kv * c.head_dim;
  m->token_embd = model::weight_view(f, "token_embd.weight", c.n_embd, c.n_vocab);
  m->output_norm = model::f32_vector(f, "output_norm.weight", c.n_embd);
  m->output = model::weight_view(f, "output.weight", c.n_embd, c.n_vocab, false);
  if (!m->output) m->output = m->token_embd;  // tied embeddings
  m->rope_freqs = model::f32_vector(f, "rope_freqs.weight", c.n_rot / 2, false);
  for (int i = 0; i < c.n_layer; ++i) {
    const std::string b = fmt::format("blk.{}.", i);
    LayerWeights l;
    l.attn_norm = model::f32_vector(f, b + "attn_norm.weight", c.n_embd);
    l.wq = model::weight_view(f, b + "attn_q.weight", c.n_embd, q_dim);
    l.wk = model::weight_view(f, b + "attn_k.weight", c.n_embd, kv_dim);
    l.wv = model::weight_view(f, b + "attn_v.weight", c.n_embd, kv_dim);
    l.wo = model::weight_view(f, b + "attn_output.weight", q_dim, c.n_embd);
    // Biases are optional in llama files too (some fine-tunes carry them).
    l.bq = model::f32_vector(f, b + "attn_q.bias", q_dim, spec->qkv_bias);
    l.bk = model::f32_vector(f, b + "attn_k.bias", kv_dim, spec->qkv_bias);
    l.bv = model::f32_vector(f, b + "attn_v.bias", kv_dim, spec->qkv_bias);
    if (spec->qk_norm) {
      l.q_norm = model::f32_vector(f, b + "attn_q_norm.weight", c.head_dim);
      l.k_norm = model::f32_vector(f, b + "attn_k_norm.weight", c.head_dim);
    }
    l.ffn_norm = model::f32_vector(f, b + "ffn_norm.weight", c.n_embd);
    l.ffn_gate = model::weight_view(f, b + "ffn_gate.weight", c.n_embd, c.n_ff);
    l.ffn_up = model::weight_view(f, b + "ffn_up.weight", c.n_embd, c.n_ff);
    l.ffn_down = model::weight_view(f, b + "ffn_down.weight", c.n_ff, c.n_embd);
    m->layers.push_back(l);
  }
  std::vector<TensorView*> matmul_weights{&m->output};
  std::vector<TensorView*> vectors{&m->output_norm, &m->rope_freqs};
  for (LayerWeights& l : m->layers) {
    for (TensorView* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.ffn_gate, &l.ffn_up, &l.ffn_down})
      matmul_weights.push_back(w);
    for (TensorView* v : {&l.attn_norm, &l.bq, &l.bk, &l.bv, &l.q_norm, &l.k_norm, &l.ffn_norm})
      vectors.push_back(v);
  }
  // One owner for the repacked weights and the copied vectors (the aliasing constructor keeps
  // packed_weights_ pointing at the repacked buffer, as model.hpp documents).
  struct Owned {
    std::shared_ptr<const uint8_t> packed;
    std::vector<float> vectors;
  };
  auto owned = std::make_shared<Owned>();
  owned->vectors = copy_vectors(vectors);  // before the repacking releases the pages around them
  // The other cores repack while this thread builds the tokenizer (a 151k-token vocabulary and
  // its merges: 10-20% of the load on 2 cores); the threads stop if it throws.
  model::WeightRepack repack(f, matmul_weights, model::repack_cache_dir(options.repack_cache));
  // End-of-generation tokens come from the tokenizer (eos, eot, eom and the usual end-of-turn
  // texts). An unsupported tokenizer leaves generation to stop at eos and max_tokens only.
  try {
    m->tokenizer_ = Tokenizer::from_gguf(f);
  } catch (const Error& e) {
    if (e.status() != Status::kUnsupported) throw;
  }
  if (m->tokenizer_) {
    for (int t : m->tokenizer_->eog_tokens())
      if (t < c.n_vocab) c.eog_tokens.push_back(t);
  } else if (c.eos_token >= 0) {
    c.eog_tokens.push_back(c.eos_token);
  }
  owned->packed = repack.finish(&m->repacked_bytes_);
  m->packed_weights_ = std::shared_ptr<const uint8_t>(owned, owned->packed.get());
  release_header(f);
  return m;
}

}  // namespace hearth

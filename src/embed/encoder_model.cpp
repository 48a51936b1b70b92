// EncoderModel::load — hyper-parameters and weight views for bert, nomic-bert and qwen3
// embedders, validated before use (presence, shape, type of every tensor).
#include "embed/encoder_model.hpp"

#include <fmt/format.h>

#include "hearth/error.hpp"
#include "hearth/tokenizer.hpp"
#include "model/tensor_lookup.hpp"
#include "model/weight_repack.hpp"

namespace hearth::embed {
namespace {

[[noreturn]] void bad_model(const std::string& msg) {
  fail(Status::kInvalidModel, msg);
}

Pooling file_pooling(const GgufFile& f, const std::string& p, Pooling fallback) {
  const auto v = f.get_int(p + "pooling_type");
  if (!v) return fallback;
  if (*v < 0 || *v > 4) bad_model(fmt::format("{}pooling_type = {} is unknown", p, *v));
  return static_cast<Pooling>(*v);
}

}  // namespace

bool is_encoder_architecture(const std::string& a) {
  return a == "bert" || a == "nomic-bert";
}

bool is_embedding_architecture(const std::string& a) {
  return a == "bert" || a == "nomic-bert" || a == "qwen3";
}

std::shared_ptr<const EncoderModel> EncoderModel::load(std::shared_ptr<const GgufFile> file) {
  if (!file) fail(Status::kInvalidArgument, "EncoderModel::load: no file");
  const GgufFile& f = *file;
  auto m = std::make_shared<EncoderModel>();
  m->file = file;
  EncoderConfig& c = m->c;
  c.architecture = f.get_string("general.architecture").value_or("");
  if (!is_embedding_architecture(c.architecture))
    fail(Status::kUnsupported,
         fmt::format("architecture '{}' is not an embedding model hearth runs (bert, nomic-bert, "
                     "qwen3)",
                     c.architecture));
  c.family = c.architecture == "bert"         ? Family::kBert
             : c.architecture == "nomic-bert" ? Family::kNomicBert
                                              : Family::kDecoder;
  const std::string p = c.architecture + ".";
  c.n_embd = model::metadata_dim(f, p + "embedding_length");
  c.n_layer = model::metadata_dim(f, p + "block_count");
  c.n_head = model::metadata_dim(f, p + "attention.head_count");
  c.n_head_kv = model::metadata_dim(f, p + "attention.head_count_kv", c.n_head);
  c.n_ff = model::metadata_dim(f, p + "feed_forward_length");
  c.n_ctx = model::metadata_dim(f, p + "context_length", 512);
  if (c.n_head % c.n_head_kv != 0)
    bad_model(
        fmt::format("head_count {} is not a multiple of head_count_kv {}", c.n_head, c.n_head_kv));
  c.head_dim = model::metadata_dim(
      f, p + "attention.key_length",
      c.n_embd % c.n_head == 0 ? std::optional<int64_t>(c.n_embd / c.n_head) : std::nullopt);
  if (c.family != Family::kDecoder && c.head_dim * c.n_head != c.n_embd)
    bad_model("BERT models need head_count * head size == embedding_length");
  c.n_rot = model::metadata_dim(f, p + "rope.dimension_count", c.head_dim);
  if (c.n_rot > c.head_dim || c.n_rot % 2) bad_model("rope.dimension_count does not fit a head");
  c.rope_base = static_cast<float>(f.get_float(p + "rope.freq_base").value_or(10000.0));
  if (c.family == Family::kDecoder) {
    c.norm_eps =
        static_cast<float>(f.get_float(p + "attention.layer_norm_rms_epsilon").value_or(1e-6));
    c.causal = f.get_bool(p + "attention.causal").value_or(true);
  } else {
    c.norm_eps =
        static_cast<float>(f.get_float(p + "attention.layer_norm_epsilon").value_or(1e-12));
    c.causal = f.get_bool(p + "attention.causal").value_or(false);
  }
  c.pooling = file_pooling(f, p, Pooling::kNone);
  if (const auto* labels = f.get_string_array(p + "classifier.output_labels"); labels)
    c.n_cls_out = static_cast<int>(labels->size());

  const GgufTensorInfo* embd = f.find_tensor("token_embd.weight");
  if (!embd || embd->dims.size() != 2 || embd->dims[1] == 0)
    bad_model("the model lacks a 2-D tensor 'token_embd.weight'");
  c.n_vocab = static_cast<int>(embd->dims[1]);

  m->tokenizer = Tokenizer::from_gguf(f);
  if (!m->tokenizer) bad_model("the model has no tokenizer");

  const int d = c.n_embd, q_dim = c.n_head * c.head_dim, kv_dim = c.n_head_kv * c.head_dim;
  m->token_embd = model::weight_view(f, "token_embd.weight", d, c.n_vocab);
  std::vector<TensorView*> mm;
  if (c.family == Family::kDecoder) {
    m->output_norm = model::f32_vector(f, "output_norm.weight", d);
  } else {
    if (const GgufTensorInfo* t = f.find_tensor("token_types.weight"); t && t->dims.size() == 2)
      m->token_types =
          model::weight_view(f, "token_types.weight", d, static_cast<int64_t>(t->dims[1]));
    if (c.family == Family::kBert)
      m->pos_embd = model::weight_view(f, "position_embd.weight", d, c.n_ctx);
    m->embd_norm = model::f32_vector(f, "token_embd_norm.weight", d);
    m->embd_norm_b = model::f32_vector(f, "token_embd_norm.bias", d);
  }
  m->cls = model::weight_view(f, "cls.weight", d, d, false);
  m->cls_b = model::f32_vector(f, "cls.bias", d, false);
  m->cls_out = model::weight_view(f, "cls.output.weight", d, c.n_cls_out, false);
  m->cls_out_b = model::f32_vector(f, "cls.output.bias", c.n_cls_out, false);

  for (int i = 0; i < c.n_layer; ++i) {
    const std::string b = fmt::format("blk.{}.", i);
    EncoderLayer l;
    if (c.family == Family::kNomicBert) {
      l.wqkv = model::weight_view(f, b + "attn_qkv.weight", d, q_dim + 2 * kv_dim);
    } else {
      l.wq = model::weight_view(f, b + "attn_q.weight", d, q_dim);
      l.wk = model::weight_view(f, b + "attn_k.weight", d, kv_dim);
      l.wv = model::weight_view(f, b + "attn_v.weight", d, kv_dim);
      const bool bias = c.family == Family::kBert;
      l.bq = model::f32_vector(f, b + "attn_q.bias", q_dim, bias);
      l.bk = model::f32_vector(f, b + "attn_k.bias", kv_dim, bias);
      l.bv = model::f32_vector(f, b + "attn_v.bias", kv_dim, bias);
    }
    l.wo = model::weight_view(f, b + "attn_output.weight", q_dim, d);
    l.bo = model::f32_vector(f, b + "attn_output.bias", d, false);
    if (c.family == Family::kDecoder) {
      l.attn_norm = model::f32_vector(f, b + "attn_norm.weight", d);
      l.q_norm = model::f32_vector(f, b + "attn_q_norm.weight", c.head_dim, false);
      l.k_norm = model::f32_vector(f, b + "attn_k_norm.weight", c.head_dim, false);
      l.ffn_norm = model::f32_vector(f, b + "ffn_norm.weight", d);
    } else {
      l.attn_out_norm = model::f32_vector(f, b + "attn_output_norm.weight", d);
      l.attn_out_norm_b = model::f32_vector(f, b + "attn_output_norm.bias", d);
      l.layer_out_norm = model::f32_vector(f, b + "layer_output_norm.weight", d);
      l.layer_out_norm_b = model::f32_vector(f, b + "layer_output_norm.bias", d);
    }
    l.ffn_up = model::weight_view(f, b + "ffn_up.weight", d, c.n_ff);
    l.ffn_down = model::weight_view(f, b + "ffn_down.weight", c.n_ff, d);
    if (c.family == Family::kBert) {
      l.ffn_up_b = model::f32_vector(f, b + "ffn_up.bias", c.n_ff, false);
      l.ffn_down_b = model::f32_vector(f, b + "ffn_down.bias", d, false);
    } else {
      l.ffn_gate = model::weight_view(f, b + "ffn_gate.weight", d, c.n_ff);
    }
    m->layers.push_back(l);
  }
  for (EncoderLayer& l : m->layers)
    for (TensorView* w : {&l.wq, &l.wk, &l.wv, &l.wqkv, &l.wo, &l.ffn_up, &l.ffn_gate, &l.ffn_down})
      if (*w) mm.push_back(w);
  size_t bytes = 0;
  m->packed = model::repack_weights(f, mm, &bytes);
  return m;
}

}  // namespace hearth::embed

// Hugging Face checkpoint -> ModelPlan: shard discovery, tensor name mapping and shape checks.
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <set>

#include "convert/hf_config.hpp"
#include "convert/hf_tensors.hpp"
#include "convert/hf_tokenizer.hpp"
#include "convert/importers.hpp"
#include "convert/safetensors.hpp"
#include "hearth/error.hpp"

namespace hearth::convert {

namespace {

namespace fs = std::filesystem;

void set_hparams(const HfConfig& c, const std::string& dir, GgufWriter& w) {
  const std::string& a = c.arch;
  std::string name = fs::path(dir).filename().string();
  if (name.empty()) name = fs::path(dir).parent_path().filename().string();
  w.set_string("general.architecture", a);
  w.set_string("general.name", name);
  w.set_u32(a + ".block_count", static_cast<uint32_t>(c.n_layer));
  w.set_u32(a + ".context_length", static_cast<uint32_t>(c.n_ctx));
  w.set_u32(a + ".embedding_length", static_cast<uint32_t>(c.n_embd));
  w.set_u32(a + ".feed_forward_length", static_cast<uint32_t>(c.n_ff));
  w.set_u32(a + ".attention.head_count", static_cast<uint32_t>(c.n_head));
  w.set_u32(a + ".attention.head_count_kv", static_cast<uint32_t>(c.n_head_kv));
  if (c.rope_theta) w.set_f32(a + ".rope.freq_base", static_cast<float>(*c.rope_theta));
  w.set_f32(a + ".attention.layer_norm_rms_epsilon", static_cast<float>(c.rms_eps));
  if (c.head_dim_explicit) {
    w.set_u32(a + ".attention.key_length", static_cast<uint32_t>(c.head_dim));
    w.set_u32(a + ".attention.value_length", static_cast<uint32_t>(c.head_dim));
  }
  w.set_u32(a + ".rope.dimension_count", static_cast<uint32_t>(c.head_dim));
  if (c.rope_linear_factor) {
    w.set_string(a + ".rope.scaling.type", "linear");
    w.set_f32(a + ".rope.scaling.factor", static_cast<float>(*c.rope_linear_factor));
  }
}

}  // namespace

ModelPlan plan_hf(const std::string& dir) {
  if (!fs::is_directory(dir)) fail(Status::kIoError, fmt::format("'{}' is not a directory", dir));
  if (is_bert_checkpoint(dir)) return plan_bert(dir);
  const HfConfig c = read_hf_config(dir);
  HfPlanner p(open_shards(dir));
  ModelPlan plan;
  plan.arch = c.arch;
  set_hparams(c, dir, plan.writer);
  const size_t n_tokens = write_hf_tokenizer(dir, c, plan.writer);
  if (n_tokens != c.n_vocab)
    fail(Status::kInvalidModel, fmt::format("tokenizer.json has {} tokens but config.json "
                                            "vocab_size is {}",
                                            n_tokens, c.n_vocab));
  if (c.arch == "llama") plan.writer.set_u32("llama.vocab_size", static_cast<uint32_t>(n_tokens));

  const uint64_t E = c.n_embd, V = c.n_vocab, F = c.n_ff, D = c.head_dim;
  const uint64_t Q = c.n_head * D, KV = c.n_head_kv * D;
  // The embedding may be stored under either name when input and output are shared.
  const bool has_embed = p.has("model.embed_tokens.weight");
  const bool has_head = p.has("lm_head.weight");
  if (!has_embed && !(c.tied && has_head))
    fail(Status::kInvalidModel, "the checkpoint has no model.embed_tokens.weight");
  p.add(plan, has_embed ? "model.embed_tokens.weight" : "lm_head.weight", "token_embd.weight",
        {V, E});
  p.add(plan, "model.norm.weight", "output_norm.weight", {E});
  // Shared embeddings: no output.weight, as llama.cpp writes them.
  if (!c.tied && has_head) p.add(plan, "lm_head.weight", "output.weight", {V, E});
  if (c.tied && has_embed && has_head) p.ignore("lm_head.weight");  // a copy of the embedding

  for (uint64_t i = 0; i < c.n_layer; ++i) {
    const std::string hf = fmt::format("model.layers.{}.", i);
    const std::string g = fmt::format("blk.{}.", i);
    const uint64_t perm_q = c.permute_qk ? c.n_head : 0;
    const uint64_t perm_k = c.permute_qk ? c.n_head_kv : 0;
    p.add(plan, hf + "input_layernorm.weight", g + "attn_norm.weight", {E});
    p.add(plan, hf + "self_attn.q_proj.weight", g + "attn_q.weight", {Q, E}, perm_q);
    p.add(plan, hf + "self_attn.k_proj.weight", g + "attn_k.weight", {KV, E}, perm_k);
    p.add(plan, hf + "self_attn.v_proj.weight", g + "attn_v.weight", {KV, E});
    if (c.qkv_bias) {
      p.add(plan, hf + "self_attn.q_proj.bias", g + "attn_q.bias", {Q});
      p.add(plan, hf + "self_attn.k_proj.bias", g + "attn_k.bias", {KV});
      p.add(plan, hf + "self_attn.v_proj.bias", g + "attn_v.bias", {KV});
    }
    if (c.qk_norm) {
      p.add(plan, hf + "self_attn.q_norm.weight", g + "attn_q_norm.weight", {D});
      p.add(plan, hf + "self_attn.k_norm.weight", g + "attn_k_norm.weight", {D});
    }
    p.add(plan, hf + "self_attn.o_proj.weight", g + "attn_output.weight", {E, Q});
    p.add(plan, hf + "post_attention_layernorm.weight", g + "ffn_norm.weight", {E});
    p.add(plan, hf + "mlp.gate_proj.weight", g + "ffn_gate.weight", {F, E});
    p.add(plan, hf + "mlp.up_proj.weight", g + "ffn_up.weight", {F, E});
    p.add(plan, hf + "mlp.down_proj.weight", g + "ffn_down.weight", {E, F});
  }
  const auto unused = p.unused();
  if (!unused.empty())
    fail(Status::kUnsupported,
         fmt::format("the checkpoint has {} tensor(s) hearth cannot map, e.g. '{}' (is "
                     "num_hidden_layers in config.json right?)",
                     unused.size(), unused.front()));
  return plan;
}

}  // namespace hearth::convert

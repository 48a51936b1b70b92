// Tensor plans of the encoder embedders, named as llama.cpp's converter writes them.
#include <fmt/format.h>

#include "synth/synth_plan.hpp"

namespace hearth::synth {

bool is_encoder(const SynthPreset& p) {
  return p.architecture == "bert" || p.architecture == "nomic-bert";
}

std::vector<PlannedTensor> plan_encoder(const SynthPreset& p, uint64_t n_vocab) {
  using T = PlannedTensor;
  const uint64_t d = p.n_embd, ff = p.n_ff;
  const bool bert = p.architecture == "bert";
  std::vector<T> t;
  t.push_back({"token_embd.weight", {d, n_vocab}, T::kRandom});
  t.push_back({"token_types.weight", {d, 2}, T::kRandom});
  if (bert) t.push_back({"position_embd.weight", {d, uint64_t(p.context_length)}, T::kRandom});
  t.push_back({"token_embd_norm.weight", {d}, T::kNearOne});
  t.push_back({"token_embd_norm.bias", {d}, T::kRandom});
  for (int l = 0; l < p.n_layer; ++l) {
    const std::string b = fmt::format("blk.{}.", l);
    if (bert) {
      for (const char* w : {"attn_q", "attn_k", "attn_v"}) {
        t.push_back({b + w + ".weight", {d, d}, T::kRandom});
        t.push_back({b + w + ".bias", {d}, T::kRandom});
      }
    } else {
      t.push_back({b + "attn_qkv.weight", {d, 3 * d}, T::kRandom});
    }
    t.push_back({b + "attn_output.weight", {d, d}, T::kRandom});
    if (bert) t.push_back({b + "attn_output.bias", {d}, T::kRandom});
    t.push_back({b + "attn_output_norm.weight", {d}, T::kNearOne});
    t.push_back({b + "attn_output_norm.bias", {d}, T::kRandom});
    t.push_back({b + "ffn_up.weight", {d, ff}, T::kRandom});
    if (bert) t.push_back({b + "ffn_up.bias", {ff}, T::kRandom});
    if (!bert) t.push_back({b + "ffn_gate.weight", {d, ff}, T::kRandom});
    t.push_back({b + "ffn_down.weight", {ff, d}, T::kRandom});
    if (bert) t.push_back({b + "ffn_down.bias", {d}, T::kRandom});
    t.push_back({b + "layer_output_norm.weight", {d}, T::kNearOne});
    t.push_back({b + "layer_output_norm.bias", {d}, T::kRandom});
  }
  if (p.reranker) {
    t.push_back({"cls.weight", {d, d}, T::kRandom});
    t.push_back({"cls.bias", {d}, T::kRandom});
    t.push_back({"cls.output.weight", {d, 1}, T::kRandom});
    t.push_back({"cls.output.bias", {1}, T::kRandom});
  }
  return t;
}

}  // namespace hearth::synth

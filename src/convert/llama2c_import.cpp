// llama2.c checkpoint + tokenizer -> ModelPlan.
//
// Checkpoint (legacy "version 0" export of llama2.c, little-endian):
//   int32 dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len
//   (vocab_size < 0: the classifier is not shared with the embedding and follows at the end)
//   float32 token_embedding[vocab][dim], rms_att[L][dim], wq[L][dim][dim],
//   wk[L][kv_dim][dim], wv[L][kv_dim][dim], wo[L][dim][dim], rms_ffn[L][dim],
//   w1[L][hidden][dim], w2[L][dim][hidden], w3[L][hidden][dim], rms_final[dim],
//   freq_cis_real[seq_len][head_size/2], freq_cis_imag[same], (wcls[vocab][dim])
// Tokenizer: int32 max_token_length, then per token: float32 score, int32 len, len bytes.
//
// llama2.c models use Meta's interleaved rotary pairs, which is already the GGUF layout, so
// Q/K are copied as they are (checked against llama.cpp's own llama2.c converter output).
// Like that converter, output.weight is always written (a copy of the embedding when shared).
#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include "convert/importers.hpp"
#include "convert/mapped_file.hpp"
#include "convert/token_text.hpp"
#include "hearth/error.hpp"

namespace hearth::convert {

namespace {

int32_t read_i32(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  fail(Status::kInvalidModel, fmt::format("invalid llama2.c file '{}': {}", path, what));
}

void read_tokenizer(const std::string& path, uint64_t n_vocab, GgufWriter& w) {
  MappedFile f(path);
  const uint8_t* p = f.data();
  const uint8_t* end = p + f.size();
  if (f.size() < 4) bad(path, "too short for max_token_length");
  const int32_t max_len = read_i32(p);
  if (max_len <= 0 || max_len > (1 << 16)) bad(path, "max_token_length is not sane");
  p += 4;
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> types;
  for (uint64_t id = 0; id < n_vocab; ++id) {
    if (end - p < 8) bad(path, fmt::format("truncated at token {} of {}", id, n_vocab));
    float score;
    std::memcpy(&score, p, 4);
    const int32_t len = read_i32(p + 4);
    p += 8;
    if (len < 0 || len > max_len || end - p < len)
      bad(path,
          fmt::format("token {} has length {} (max {}, {} bytes left)", id, len, max_len, end - p));
    std::string text(reinterpret_cast<const char*>(p), static_cast<size_t>(len));
    p += len;
    // llama.cpp's token types: 1 normal, 2 unknown, 3 control, 6 byte. Ids 0/1/2 are
    // <unk>/<s>/</s> in llama2.c tokenizers (stored there as "<unk>", "\n<s>\n", "\n</s>\n").
    int32_t type = 1;
    if (id == 0) {
      text = "<unk>";
      type = 2;
    } else if (id == 1 || id == 2) {
      text = id == 1 ? "<s>" : "</s>";
      type = 3;
    } else if (text.empty()) {
      type = 3;
    } else if (convert::is_byte_token(text)) {
      type = 6;
    }
    // SentencePiece marks spaces with U+2581.
    std::string escaped;
    for (char ch : text) escaped += ch == ' ' ? std::string("\xE2\x96\x81") : std::string(1, ch);
    tokens.push_back(std::move(escaped));
    scores.push_back(score);
    types.push_back(type);
  }
  if (p != end) bad(path, fmt::format("{} bytes left after {} tokens", end - p, n_vocab));
  w.set_string_array("tokenizer.ggml.tokens", std::move(tokens));
  w.set_f32_array("tokenizer.ggml.scores", scores);
  w.set_i32_array("tokenizer.ggml.token_type", types);
  w.set_string("tokenizer.ggml.model", "llama");
  w.set_u32("tokenizer.ggml.unknown_token_id", 0);
  w.set_u32("tokenizer.ggml.bos_token_id", 1);
  w.set_u32("tokenizer.ggml.eos_token_id", 2);
}

}  // namespace

ModelPlan plan_llama2c(const std::string& checkpoint, const std::string& tokenizer) {
  auto file = std::make_shared<MappedFile>(checkpoint);
  if (file->size() < 28) bad(checkpoint, "too short for the 7-value header");
  int32_t h[7];
  for (int i = 0; i < 7; ++i) h[i] = read_i32(file->data() + 4 * i);
  const bool shared = h[5] > 0;
  for (int i = 0; i < 7; ++i)
    if (h[i] == 0 || (i != 5 && h[i] < 0) || h[i] == INT32_MIN)
      bad(checkpoint, fmt::format("header value {} is {}", i, h[i]));
  // Bounds keep every size product below 2^64 and reject garbage headers early.
  static const int64_t kMax[7] = {1 << 20, 1 << 20, 1 << 12, 1 << 12, 1 << 12, 1 << 22, 1 << 24};
  for (int i = 0; i < 7; ++i)
    if (std::abs(static_cast<int64_t>(h[i])) > kMax[i])
      bad(checkpoint, fmt::format("header value {} ({}) is implausibly large", i, h[i]));
  const uint64_t dim = h[0], hidden = h[1], L = h[2], n_heads = h[3], n_kv = h[4];
  const uint64_t vocab = static_cast<uint64_t>(shared ? h[5] : -static_cast<int64_t>(h[5]));
  const uint64_t seq = h[6];
  if (dim % n_heads != 0 || n_heads % n_kv != 0 || (dim / n_heads) % 2 != 0)
    bad(checkpoint,
        fmt::format("dim {}, n_heads {}, n_kv_heads {} are inconsistent", dim, n_heads, n_kv));
  const uint64_t head = dim / n_heads, kv_dim = n_kv * head;
  // Float offsets of each section, then a size check before any tensor is touched.
  uint64_t off = 0;
  auto section = [&off](uint64_t n) {
    const uint64_t at = off;
    off += n;
    return at;
  };
  const uint64_t o_emb = section(vocab * dim), o_att = section(L * dim);
  const uint64_t o_wq = section(L * dim * dim), o_wk = section(L * kv_dim * dim);
  const uint64_t o_wv = section(L * kv_dim * dim), o_wo = section(L * dim * dim);
  const uint64_t o_ffn = section(L * dim), o_w1 = section(L * hidden * dim);
  const uint64_t o_w2 = section(L * dim * hidden), o_w3 = section(L * hidden * dim);
  const uint64_t o_fin = section(dim);
  section(seq * head);  // freq_cis_real and freq_cis_imag: unused (recomputed at run time)
  const uint64_t o_cls = shared ? o_emb : section(vocab * dim);
  const uint64_t expect = 28 + 4 * off;
  if (file->size() != expect)
    bad(checkpoint,
        fmt::format("the header implies {} bytes but the file has {}", expect, file->size()));

  ModelPlan plan;
  plan.arch = "llama";
  GgufWriter& w = plan.writer;
  read_tokenizer(tokenizer, vocab, w);
  w.set_string("general.architecture", "llama");
  w.set_string("general.name", "llama");
  w.set_u32("llama.context_length", static_cast<uint32_t>(seq));
  w.set_u32("llama.embedding_length", static_cast<uint32_t>(dim));
  w.set_u32("llama.feed_forward_length", static_cast<uint32_t>(hidden));
  w.set_u32("llama.attention.head_count", static_cast<uint32_t>(n_heads));
  w.set_u32("llama.attention.head_count_kv", static_cast<uint32_t>(n_kv));
  w.set_u32("llama.block_count", static_cast<uint32_t>(L));
  w.set_u32("llama.rope.dimension_count", static_cast<uint32_t>(head));
  w.set_f32("llama.attention.layer_norm_rms_epsilon", 1e-5f);  // llama2.c's RMSNorm epsilon

  auto add = [&](const std::string& name, std::vector<uint64_t> shape, uint64_t float_off) {
    PlannedTensor t;
    t.name = name;
    t.shape = std::move(shape);
    const uint64_t n = t.n_elements();
    t.load = [file, float_off, n](float* out) {
      std::memcpy(out, file->data() + 28 + 4 * float_off, n * 4);
    };
    plan.tensors.push_back(std::move(t));
  };
  add("token_embd.weight", {vocab, dim}, o_emb);
  add("output_norm.weight", {dim}, o_fin);
  add("output.weight", {vocab, dim}, o_cls);
  for (uint64_t i = 0; i < L; ++i) {
    const std::string g = fmt::format("blk.{}.", i);
    add(g + "attn_q.weight", {dim, dim}, o_wq + i * dim * dim);
    add(g + "attn_k.weight", {kv_dim, dim}, o_wk + i * kv_dim * dim);
    add(g + "attn_v.weight", {kv_dim, dim}, o_wv + i * kv_dim * dim);
    add(g + "attn_output.weight", {dim, dim}, o_wo + i * dim * dim);
    add(g + "attn_norm.weight", {dim}, o_att + i * dim);
    add(g + "ffn_gate.weight", {hidden, dim}, o_w1 + i * hidden * dim);
    add(g + "ffn_down.weight", {dim, hidden}, o_w2 + i * dim * hidden);
    add(g + "ffn_up.weight", {hidden, dim}, o_w3 + i * hidden * dim);
    add(g + "ffn_norm.weight", {dim}, o_ffn + i * dim);
  }
  return plan;
}

}  // namespace hearth::convert

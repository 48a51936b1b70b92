#include "session/model_fingerprint.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "hearth/model.hpp"
#include "hearth/tokenizer.hpp"

namespace hearth {
namespace {

// Bytes of each tensor that go into the hash: enough to tell two fine-tunes of one layout
// apart without reading the whole file.
constexpr uint64_t kSampledBytes = 256;

template <typename T>
uint64_t mix(uint64_t h, const T& v) {
  return fnv1a64(&v, sizeof v, h);
}

uint64_t mix_string(uint64_t h, const std::string& s) {
  h = mix(h, static_cast<uint64_t>(s.size()));
  return fnv1a64(s.data(), s.size(), h);
}

}  // namespace

uint64_t fnv1a64(const void* data, size_t n, uint64_t h) {
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

std::string ModelFingerprint::describe() const {
  return fmt::format("{}, {} layers, n_embd {}, {} tokens, {} tensors, hash {:016x}", architecture,
                     n_layer, n_embd, n_vocab, n_tensors, hash);
}

ModelFingerprint fingerprint_of(const Model& model) {
  const ModelConfig& c = model.config();
  ModelFingerprint f;
  f.architecture = c.architecture;
  f.n_layer = static_cast<uint32_t>(c.n_layer);
  f.n_embd = static_cast<uint32_t>(c.n_embd);
  f.n_vocab = static_cast<uint32_t>(c.n_vocab);
  const auto& tensors = model.file().tensors();
  f.n_tensors = tensors.size();
  uint64_t h = mix_string(fnv1a64(nullptr, 0), c.architecture);
  for (int v : {c.n_layer, c.n_embd, c.n_vocab, c.n_head, c.n_head_kv, c.head_dim, c.n_ff})
    h = mix(h, static_cast<int64_t>(v));
  for (const GgufTensorInfo& t : tensors) {
    h = mix_string(h, t.name);
    h = mix(h, static_cast<int64_t>(t.type));
    for (uint64_t d : t.dims) h = mix(h, d);
    if (t.data) h = fnv1a64(t.data, std::min(t.n_bytes, kSampledBytes), h);
  }
  if (const Tokenizer* tok = model.tokenizer())
    for (int32_t i = 0; i < tok->n_vocab(); ++i) h = mix_string(h, tok->token_text(i));
  f.hash = h;
  return f;
}

}  // namespace hearth

// A fingerprint of a model that tells "the same model" from "another model" for session files:
// the hyper-parameters a KV cache depends on plus a hash of the tensor layout, a sample of
// every tensor's bytes and the tokenizer vocabulary.
#pragma once

#include <cstdint>
#include <string>

namespace hearth {

class Model;

struct ModelFingerprint {
  std::string architecture;
  uint32_t n_layer = 0, n_embd = 0, n_vocab = 0;
  uint64_t n_tensors = 0;
  uint64_t hash = 0;

  bool operator==(const ModelFingerprint& o) const {
    return architecture == o.architecture && n_layer == o.n_layer && n_embd == o.n_embd &&
           n_vocab == o.n_vocab && n_tensors == o.n_tensors && hash == o.hash;
  }
  bool operator!=(const ModelFingerprint& o) const { return !(*this == o); }
  std::string describe() const;  // "llama, 5 layers, n_embd 64, 512 tokens, 48 tensors, #..."
};

ModelFingerprint fingerprint_of(const Model& model);

// 64-bit FNV-1a, continued from `h` (fast enough for the few MB a session file holds).
uint64_t fnv1a64(const void* data, size_t n, uint64_t h = 0xcbf29ce484222325ull);

}  // namespace hearth

#include "engine/sequence.hpp"

#include <algorithm>

#include "context/attention.hpp"
#include "engine/block_hash.hpp"

namespace hearth::engine {

std::vector<uint8_t> prefill_algorithms(int n_prompt) {
  std::vector<uint8_t> tiled(n_prompt);
  for (int b0 = 0; b0 < n_prompt; b0 += kPrefillBatch) {
    const int n = std::min(kPrefillBatch, n_prompt - b0);
    std::fill(tiled.begin() + b0, tiled.begin() + b0 + n, n >= attention::kTiledMinRows);
  }
  return tiled;
}

Sequence::Sequence(std::shared_ptr<Request> r, const Tokenizer* vocab)
    : req(std::move(r)),
      tokens(req->options.prompt),
      tiled(prefill_algorithms(static_cast<int>(tokens.size()))),
      last_hash(tenant_seed(req->options.tenant)),
      sampler(req->options.sampler, vocab),
      stream(req->options.stop_strings) {
  // The penalties see the prompt as history, as in generate().
  for (int32_t t : tokens) sampler.accept_prompt(t);
  req->usage.prompt_tokens = static_cast<int>(tokens.size());  // not shared yet: no lock
}

}  // namespace hearth::engine

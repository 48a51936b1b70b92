// The forward pass of an embedding model over a packed batch of texts: every projection runs
// once over all tokens of all texts (the matmul kernels of src/model/matmul.hpp), positions,
// RoPE and attention are per text. Returns the final hidden states [n_tok][n_embd] (for
// decoders, after output_norm), from which pooling.hpp builds the embeddings.
#pragma once

#include <cstdint>
#include <vector>

#include "embed/encoder_model.hpp"
#include "embed/packed_attention.hpp"

namespace hearth {
class ThreadPool;
namespace embed {

// tokens: the texts' ids back to back; spans cover them in order. Every id must be inside the
// vocabulary and every span no longer than the context (the caller checks).
std::vector<float> encoder_forward(const EncoderModel& m, const std::vector<int32_t>& tokens,
                                   const std::vector<Span>& spans, ThreadPool* pool);

// The two families' bodies (bert_forward.cpp, decoder_forward.cpp).
void bert_layers(const EncoderModel& m, const std::vector<Span>& spans, std::vector<float>& x,
                 ThreadPool* pool);
void decoder_layers(const EncoderModel& m, const std::vector<Span>& spans, std::vector<float>& x,
                    ThreadPool* pool);

}  // namespace embed
}  // namespace hearth

// From the final hidden states of a packed batch to one vector per text: mean / cls / last
// pooling, the rank heads of rerankers, and L2 normalisation.
#pragma once

#include <vector>

#include "embed/encoder_model.hpp"
#include "embed/packed_attention.hpp"

namespace hearth::embed {

// hidden: [n_tok][d]. Pooling kNone is not handled here (the caller takes rows itself).
// Returns [spans.size()][d].
std::vector<float> pool(const std::vector<float>& hidden, int d, const std::vector<Span>& spans,
                        Pooling pooling);

// The rank head over each text's CLS token (bert: tanh(cls·x + b) then cls.output·h + b) or
// last token (qwen3: softmax over cls.output's rows, P(yes) first), as llama.cpp computes it.
// Returns [spans.size()][n_cls_out]. Throws kInvalidArgument when the model has no head.
std::vector<float> rank_scores(const EncoderModel& m, const std::vector<float>& hidden,
                               const std::vector<Span>& spans);

// Divides each of the n rows of d floats by its Euclidean norm (zero rows stay zero).
void l2_normalize(float* rows, int n, int d);

}  // namespace hearth::embed

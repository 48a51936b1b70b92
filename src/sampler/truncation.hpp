// The truncation stages of the chain: each keeps a subset of the candidates (never none).
// Top-k happens while the candidates are built (Candidates::reset_top_k, one O(V log k) pass).
// Probabilities are softmax(logits) at temperature 1 over the candidates still present.
#pragma once

#include "sampler/candidates.hpp"

namespace hearth {

// The fewest most likely candidates whose probabilities sum to >= p. Sorts only as far as the
// nucleus reaches (growing the sorted prefix geometrically), not the whole vocabulary.
void apply_top_p(Candidates& c, float p);

// Candidates with p(t) >= min_p * p(most likely), i.e. logit >= max_logit + log(min_p).
void apply_min_p(Candidates& c, float min_p);

// Locally typical sampling (Meister et al. 2022): H = -sum p log p; the candidates in increasing
// |-log p(t) - H| until their probabilities sum to >= p. Leaves them in that order.
void apply_typical_p(Candidates& c, float p);

}  // namespace hearth

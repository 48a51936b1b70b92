#include "sampler/sampler_chain.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "hearth/error.hpp"
#include "hearth/tokenizer.hpp"
#include "sampler/truncation.hpp"

namespace hearth {
namespace {

// Unconstrained choices a grammar-constrained greedy step checks before computing the mask.
constexpr size_t kGrammarChecks = 8;

// The kGrammarChecks best tokens in the candidates' order (largest logit first, +INFINITY as
// the largest finite float, equal logits by ascending id; -INFINITY and NaN left out), in one
// pass that costs about what argmax costs. Returns how many (fewer when the rest are banned).
size_t top_tokens(const float* logits, int n_vocab, int32_t* ids) {
  constexpr size_t k = kGrammarChecks;
  float vals[k] = {};
  size_t m = 0;
  for (int i = 0; i < n_vocab; ++i) {
    float l = logits[i];
    if (m == k && !(l > vals[k - 1])) continue;  // the common case; NaN too
    if (!(l > -INFINITY)) continue;
    if (l == INFINITY) l = std::numeric_limits<float>::max();
    if (m == k && !(l > vals[k - 1])) continue;
    size_t j = m < k ? m++ : k - 1;          // when full, the last (worst) one goes
    for (; j > 0 && vals[j - 1] < l; --j) {  // after every equal one: ids ascend
      vals[j] = vals[j - 1];
      ids[j] = ids[j - 1];
    }
    vals[j] = l;
    ids[j] = i;
  }
  return m;
}

uint64_t resolve_seed(const SamplerConfig& config) {
  validate_sampler_config(config, 0);
  return config.seed == kRandomSeed ? random_seed() : config.seed;
}

}  // namespace

Sampler::Sampler(const SamplerConfig& config, const Tokenizer* vocab)
    : config_(config), seed_(resolve_seed(config)), rng_(seed_), history_(config.penalty_last_n) {
  if (config.grammar.empty()) return;
  if (!vocab) fail(Status::kInvalidArgument, "a grammar needs the model's vocabulary");
  vocab_ = grammar::TokenTrie::for_tokenizer(*vocab);
  grammar_.emplace(grammar::parse_gbnf(config.grammar), vocab_);
  grammar_active_ = config.grammar_triggers.empty();
}

void Sampler::accept(int32_t token) {
  history_.accept(token);
  if (!grammar_) return;
  if (grammar_active_)
    grammar_->accept(token);
  else
    watch_for_trigger(token);
}

void Sampler::watch_for_trigger(int32_t token) {
  if (token < 0 || token >= vocab_->n_vocab() || vocab_->is_eog(token)) return;
  pending_ += vocab_->bytes(token);
  size_t at = std::string::npos, longest = 0;
  for (const std::string& t : config_.grammar_triggers) {
    at = std::min(at, pending_.find(t));
    longest = std::max(longest, t.size());
  }
  if (at == std::string::npos) {
    // Only a suffix shorter than the longest trigger can still become the start of one.
    if (pending_.size() >= longest) pending_.erase(0, pending_.size() - (longest - 1));
    return;
  }
  // The trigger and whatever the same token wrote after it are the grammar's first text. When
  // the grammar rejects them the model has left the format: the rest stays free text (the
  // caller's parser then reports what it got) rather than failing the generation.
  if (grammar_->accept_text(pending_.substr(at)))
    grammar_active_ = true;
  else
    grammar_.reset();
  pending_.clear();
}

void Sampler::accept_prompt(int32_t token) {
  history_.accept(token);
}

const Candidates& Sampler::candidates(const float* logits, int n_vocab) {
  return run_chain(logits, n_vocab, grammar_active());
}

const Candidates& Sampler::run_chain(const float* logits, int n_vocab, bool masked) {
  if (n_vocab <= 0) fail(Status::kInvalidArgument, "sample: n_vocab must be > 0");
  adjusted_.assign(logits, logits + n_vocab);
  // The grammar's mask comes first, like llama.cpp's grammar sampler; the candidates are then
  // read from its allowed tokens alone (the stages between only add to logits, and a masked
  // -INFINITY stays -INFINITY under them).
  const std::vector<uint64_t>* allowed = masked ? &grammar_->nonempty_mask_bits() : nullptr;
  for (size_t i = 0; i < config_.logit_bias.size(); ++i) {
    const LogitBias& b = config_.logit_bias[i];
    if (b.token < 0 || b.token >= n_vocab)
      fail(Status::kInvalidArgument,
           fmt::format("logit_bias[{}].token {} is outside the vocabulary (0..{})", i, b.token,
                       n_vocab - 1));
    adjusted_[static_cast<size_t>(b.token)] += b.bias;
  }
  history_.apply(config_, adjusted_.data(), n_vocab);
  // Greedy takes the largest logit, which top-k, top-p and min-p always keep: skip them.
  // Typical-p may drop it, so it runs either way.
  const bool greedy = is_greedy(config_);
  if (allowed) {
    candidates_.reset_allowed(adjusted_.data(), n_vocab, *allowed);
    if (!greedy && config_.top_k > 0 && static_cast<size_t>(config_.top_k) < candidates_.size()) {
      candidates_.sort_prefix(static_cast<size_t>(config_.top_k));
      candidates_.truncate(static_cast<size_t>(config_.top_k));
    }
  } else if (!greedy && config_.top_k > 0 && config_.top_k < n_vocab) {
    candidates_.reset_top_k(adjusted_.data(), n_vocab, static_cast<size_t>(config_.top_k));
  } else {
    candidates_.reset(adjusted_.data(), n_vocab);
  }
  apply_typical_p(candidates_, config_.typical_p);
  if (!greedy) {
    apply_top_p(candidates_, config_.top_p);
    apply_min_p(candidates_, config_.min_p);
  }
  return candidates_;
}

int Sampler::sample(const float* logits, int n_vocab) {
  if (is_greedy(config_) && config_.logit_bias.empty() && penalties_off(config_) &&
      config_.typical_p >= 1.0f) {
    if (n_vocab <= 0) fail(Status::kInvalidArgument, "sample: n_vocab must be > 0");
    // No grammar: the largest logit, without copying the logits (the common case).
    if (!grammar_active()) return argmax(logits, n_vocab);
    // Masking only removes tokens: the first of the unconstrained order (the candidates' order)
    // that the grammar allows is the constrained choice. The few best are checked one by one
    // (a few steps of the grammar each); only when all are rejected is the mask needed, and
    // then only its allowed tokens are read (no logits copied or written).
    int32_t top[kGrammarChecks];
    const size_t n_top = top_tokens(logits, n_vocab, top);
    for (size_t i = 0; i < n_top; ++i)
      if (grammar_->allows(top[i])) return top[i];
    const int32_t constrained = grammar_->best_allowed(logits, n_vocab);
    if (constrained >= 0) return constrained;  // else the full chain says why nothing is left
  }
  if (!grammar_active()) return draw(run_chain(logits, n_vocab, false));
  // Mask first where checking first would not pay or not give the same token: sampling with
  // no truncation stage (the same distribution either way, and the softmax then runs over the
  // allowed tokens alone, a saving as large as the mask's cost) and greedy with typical-p (its
  // filter depends on the masked-out mass).
  const bool truncating =
      config_.top_k > 0 || config_.top_p < 1.0f || config_.min_p > 0.0f || config_.typical_p < 1.0f;
  if (is_greedy(config_) ? config_.typical_p < 1.0f : !truncating)
    return draw(run_chain(logits, n_vocab, true));
  // Check the unconstrained choice first (sampler_chain.hpp says how the result relates to
  // masking first): for a model that mostly writes what the grammar wants, most steps cost a
  // few steps of the grammar instead of a whole-vocabulary mask.
  const int free_choice = draw(run_chain(logits, n_vocab, false));
  if (grammar_->allows(free_choice)) return free_choice;
  return draw(run_chain(logits, n_vocab, true));
}

int Sampler::draw(const Candidates& c) {
  if (is_greedy(config_)) return c.best().id;
  // softmax(logit / T) over the survivors, in their current (deterministic) order; one draw.
  const double mx = c.max_logit();
  const double inv_t = 1.0 / static_cast<double>(config_.temperature);
  if (!std::isfinite(inv_t)) return c.best().id;  // a denormal temperature: greedy in effect
  weights_.resize(c.size());
  double sum = 0;
  for (size_t i = 0; i < c.size(); ++i) {
    weights_[i] = std::exp((static_cast<double>(c[i].logit) - mx) * inv_t);
    sum += weights_[i];
  }
  const double r = rng_.next_unit() * sum;
  double acc = 0;
  for (size_t i = 0; i < c.size(); ++i) {
    acc += weights_[i];
    if (r < acc) return c[i].id;
  }
  // r rounded up to sum: the last candidate that could be drawn at all.
  for (size_t i = c.size(); i-- > 0;)
    if (weights_[i] > 0) return c[i].id;
  return c.best().id;
}

}  // namespace hearth

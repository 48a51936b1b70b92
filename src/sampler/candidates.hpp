// Candidates — the tokens still in the running during one sampling step, with their logits.
//
// Sorting a 150k vocabulary every step is the cost to avoid: the set keeps a sorted *prefix*
// (the largest logits, in order, each >= every logit after it) and grows it only as far as a
// stage needs (top-k: k, top-p: until the nucleus is complete), with std::partial_sort.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hearth {

struct Candidate {
  float logit;
  int32_t id;
};

// Order of the sorted prefix: larger logit first, then the lower token id (deterministic ties).
inline bool before(const Candidate& a, const Candidate& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

class Candidates {
 public:
  // Takes logits [n_vocab]; -INFINITY (banned) tokens are left out, NaN counts as banned.
  void reset(const float* logits, int n_vocab);
  // reset() then top-k in one pass that never stores the whole vocabulary (k >= 1).
  void reset_top_k(const float* logits, int n_vocab, size_t k);
  // reset() over the tokens whose bit is set in `allowed` (bit t of word t / 64; tokens past
  // the bitset are not allowed): a grammar's mask read without writing -INFINITY over the
  // rest of the logits or scanning them.
  void reset_allowed(const float* logits, int n_vocab, const std::vector<uint64_t>& allowed);

  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const Candidate& operator[](size_t i) const { return items_[i]; }
  std::vector<Candidate>& items() { return items_; }
  const std::vector<Candidate>& items() const { return items_; }

  // Makes items()[0..n) the n best candidates in `before` order (n capped at size()).
  void sort_prefix(size_t n);
  size_t sorted_prefix() const { return sorted_; }
  // Keeps only items()[0..n): callers pass n <= sorted_prefix() or know what they drop.
  void truncate(size_t n);
  // Call after reordering items() by another key: nothing is known to be sorted any more.
  void forget_order() { sorted_ = 0; }
  // Keeps the candidates with logit >= threshold, in their order (the sorted prefix survives).
  void keep_at_least(float threshold);

  float max_logit() const;
  // The largest logit's candidate (lowest id on ties): the greedy choice.
  const Candidate& best() const;
  // sum_i exp(logit_i - max_logit()) in double: the softmax normaliser.
  double exp_sum() const;

 private:
  std::vector<Candidate> items_;
  size_t sorted_ = 0;
};

}  // namespace hearth

#include "sampler/candidates.hpp"

#include <algorithm>
#include <bitset>
#include <cmath>
#include <limits>
#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
#endif

#include "hearth/error.hpp"

namespace hearth {
namespace {

// +INFINITY (a huge bias, a broken model) would turn the softmax into inf - inf = NaN: the
// largest finite float keeps it the clear favourite instead.
float finite_logit(float l) {
  return l == INFINITY ? std::numeric_limits<float>::max() : l;
}

// Index of the lowest set bit of a non-zero word.
inline unsigned lowest_bit(uint64_t word) {
#if defined(_MSC_VER) && !defined(__clang__)
  unsigned long i;
  _BitScanForward64(&i, word);
  return static_cast<unsigned>(i);
#else
  return static_cast<unsigned>(__builtin_ctzll(word));
#endif
}

}  // namespace

void Candidates::reset(const float* logits, int n_vocab) {
  items_.clear();
  items_.reserve(static_cast<size_t>(n_vocab));
  for (int i = 0; i < n_vocab; ++i)
    if (logits[i] > -INFINITY) items_.push_back({finite_logit(logits[i]), i});  // not NaN
  sorted_ = 0;
  if (items_.empty())
    fail(Status::kInvalidArgument, "every token is banned (all logits are -INFINITY or NaN)");
}

void Candidates::reset_allowed(const float* logits, int n_vocab,
                               const std::vector<uint64_t>& allowed) {
  const size_t n = std::min(static_cast<size_t>(std::max(n_vocab, 0)), allowed.size() * 64);
  size_t count = 0;
  for (size_t w = 0; w * 64 < n; ++w) count += std::bitset<64>(allowed[w]).count();
  // Sized up front and written by index: a push_back per token here made GCC build each
  // candidate on the stack in reset() too (a store-forwarding stall per token, 2x its time).
  items_.resize(count);
  size_t out = 0;
  for (size_t w = 0; w * 64 < n; ++w) {
    for (uint64_t word = allowed[w]; word != 0; word &= word - 1) {
      const size_t t = w * 64 + static_cast<size_t>(lowest_bit(word));
      if (t >= n) break;
      if (!(logits[t] > -INFINITY)) continue;  // -INFINITY or NaN: banned
      items_[out].logit = finite_logit(logits[t]);
      items_[out].id = static_cast<int32_t>(t);
      ++out;
    }
  }
  items_.resize(out);
  sorted_ = 0;
  if (items_.empty())
    fail(Status::kInvalidArgument, "every token is banned (all logits are -INFINITY or NaN)");
}

void Candidates::sort_prefix(size_t n) {
  n = std::min(n, items_.size());
  if (n <= sorted_) return;
  // items_[0..sorted_) already holds the best in order: select the next n - sorted_ out of the
  // rest (linear), then sort only those. Growing a prefix in doubling chunks this way costs a
  // few linear passes, where a heap-based partial sort degrades on flat distributions.
  const auto first = items_.begin() + static_cast<std::ptrdiff_t>(sorted_);
  const auto mid = items_.begin() + static_cast<std::ptrdiff_t>(n);
  const auto cmp = [](const Candidate& a, const Candidate& b) { return before(a, b); };
  if (mid != items_.end()) std::nth_element(first, mid - 1, items_.end(), cmp);
  std::sort(first, mid, cmp);
  sorted_ = n;
}

void Candidates::reset_top_k(const float* logits, int n_vocab, size_t k) {
  items_.clear();
  items_.reserve(k);
  // A heap of the k best so far with the worst on top: most tokens cost one comparison.
  for (int i = 0; i < n_vocab; ++i) {
    if (!(logits[i] > -INFINITY)) continue;
    const Candidate c{finite_logit(logits[i]), i};
    if (items_.size() < k) {
      items_.push_back(c);
      std::push_heap(items_.begin(), items_.end(), before);
    } else if (before(c, items_.front())) {
      std::pop_heap(items_.begin(), items_.end(), before);
      items_.back() = c;
      std::push_heap(items_.begin(), items_.end(), before);
    }
  }
  std::sort_heap(items_.begin(), items_.end(), before);
  sorted_ = items_.size();
  if (items_.empty())
    fail(Status::kInvalidArgument, "every token is banned (all logits are -INFINITY or NaN)");
}

void Candidates::truncate(size_t n) {
  if (n >= items_.size()) return;
  items_.resize(std::max<size_t>(n, 1));
  sorted_ = std::min(sorted_, items_.size());
}

void Candidates::keep_at_least(float threshold) {
  size_t kept_sorted = 0, out = 0;
  for (size_t i = 0; i < items_.size(); ++i) {
    if (items_[i].logit < threshold) continue;
    if (i < sorted_) ++kept_sorted;
    items_[out++] = items_[i];
  }
  if (out == 0) return;  // cannot happen for threshold <= max_logit(); keep everything then
  items_.resize(out);
  // Kept sorted items are still the best in order: a dropped one means all later ones dropped.
  sorted_ = kept_sorted;
}

float Candidates::max_logit() const {
  return best().logit;
}

const Candidate& Candidates::best() const {
  if (sorted_ > 0) return items_[0];
  return *std::min_element(items_.begin(), items_.end(), before);
}

double Candidates::exp_sum() const {
  const double mx = max_logit();
  double sum = 0;
  for (const Candidate& c : items_) sum += std::exp(static_cast<double>(c.logit) - mx);
  return sum;
}

}  // namespace hearth

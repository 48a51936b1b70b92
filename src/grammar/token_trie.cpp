#include "grammar/token_trie.hpp"

#include <algorithm>
#include <mutex>
#include <numeric>
#include <unordered_map>

#include "hearth/tokenizer.hpp"

namespace hearth::grammar {
namespace {

// Longer tokens than this (none in real vocabularies) are left out of the trie: never allowed.
constexpr size_t kMaxTokenBytes = 4096;

}  // namespace

TokenTrie::TokenTrie(const std::vector<std::string>& pieces, const std::vector<bool>& eog)
    : pieces_(pieces), is_eog_(eog) {
  is_eog_.resize(pieces_.size(), false);
  std::vector<int32_t> order;
  for (size_t t = 0; t < pieces_.size(); ++t) {
    std::string& p = pieces_[t];
    const size_t nul = p.find('\0');
    if (nul != std::string::npos) p.resize(nul);
    if (is_eog_[t]) {
      eog_.push_back(static_cast<int32_t>(t));
      continue;
    }
    if (!p.empty() && p.size() <= kMaxTokenBytes) order.push_back(static_cast<int32_t>(t));
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](int32_t a, int32_t b) { return pieces_[a] < pieces_[b]; });
  // Preorder construction over the sorted strings: token i shares its first lcp bytes (and
  // their nodes) with token i-1; its remaining bytes are new nodes.
  std::vector<uint32_t> open;  // node index per depth - 1 on the current path
  const std::string* prev = nullptr;
  for (int32_t t : order) {
    const std::string& s = pieces_[static_cast<size_t>(t)];
    size_t lcp = 0;
    if (prev)
      while (lcp < s.size() && lcp < prev->size() && s[lcp] == (*prev)[lcp]) ++lcp;
    while (open.size() > lcp) {
      nodes_[open.back()].end = static_cast<uint32_t>(nodes_.size());
      open.pop_back();
    }
    for (size_t d = lcp; d < s.size(); ++d) {
      open.push_back(static_cast<uint32_t>(nodes_.size()));
      nodes_.push_back({0, 0, 0, static_cast<uint16_t>(d + 1), static_cast<uint8_t>(s[d])});
    }
    Node& leaf = nodes_[open.back()];
    if (leaf.tok_begin == leaf.tok_end) leaf.tok_begin = leaf.tok_end = tokens_.size();
    tokens_.push_back(t);  // equal strings are adjacent: the range stays contiguous
    leaf.tok_end = static_cast<uint32_t>(tokens_.size());
    max_depth_ = std::max(max_depth_, s.size());
    prev = &s;
  }
  for (uint32_t i : open) nodes_[i].end = static_cast<uint32_t>(nodes_.size());
}

std::shared_ptr<const TokenTrie> TokenTrie::for_tokenizer(const Tokenizer& tokenizer) {
  // A tokenizer is immutable; the cache holds weak references so a trie dies with its last
  // user — except the most recently used one, held strongly: building it costs a large part of
  // a second for a 150k vocabulary, and a server or a `hearth bench` loop makes one Sampler per
  // request, with nothing else holding the trie in between. The address alone could be reused
  // by a later tokenizer: the vocabulary size and a sample of pieces must match too.
  static std::mutex mutex;
  static std::unordered_map<const Tokenizer*, std::weak_ptr<const TokenTrie>> cache;
  static std::shared_ptr<const TokenTrie> last;
  const int32_t n = tokenizer.n_vocab();
  auto same = [&](const TokenTrie& trie) {
    if (trie.n_vocab() != n) return false;
    for (int32_t t = 0; t < n; t += std::max(1, n / 64)) {
      std::string p = tokenizer.token_to_piece(t, true);
      const size_t nul = p.find('\0');
      if (nul != std::string::npos) p.resize(nul);
      if (p != trie.bytes(t) && !(trie.is_eog(t))) return false;
    }
    return true;
  };
  {
    std::lock_guard<std::mutex> lock(mutex);
    const auto it = cache.find(&tokenizer);
    if (it != cache.end()) {
      if (auto trie = it->second.lock(); trie && same(*trie)) {
        last = trie;
        return trie;
      }
    }
  }
  std::vector<std::string> pieces(static_cast<size_t>(n));
  std::vector<bool> eog(static_cast<size_t>(n));
  for (int32_t t = 0; t < n; ++t) {
    pieces[static_cast<size_t>(t)] = tokenizer.token_to_piece(t, true);
    eog[static_cast<size_t>(t)] = tokenizer.is_eog(t);
  }
  auto trie = std::make_shared<const TokenTrie>(pieces, eog);
  std::lock_guard<std::mutex> lock(mutex);
  cache[&tokenizer] = trie;
  last = trie;
  return trie;
}

}  // namespace hearth::grammar

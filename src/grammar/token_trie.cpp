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
  // Preorder over the sorted strings: token i shares its first lcp bytes (and their nodes) with
  // token i-1; its remaining bytes are new nodes. Each new node's parent is the node on the
  // current path one byte up (the root for a first byte).
  std::vector<uint32_t> parent{0}, token_node;  // per node; per token of tokens_
  std::vector<uint8_t> byte{0};
  std::vector<uint32_t> open;  // node per depth - 1 on the current path
  const std::string* prev = nullptr;
  for (int32_t t : order) {
    const std::string& s = pieces_[static_cast<size_t>(t)];
    size_t lcp = 0;
    if (prev)
      while (lcp < s.size() && lcp < prev->size() && s[lcp] == (*prev)[lcp]) ++lcp;
    open.resize(lcp);
    for (size_t d = lcp; d < s.size(); ++d) {
      parent.push_back(d == 0 ? 0 : open.back());
      byte.push_back(static_cast<uint8_t>(s[d]));
      open.push_back(static_cast<uint32_t>(parent.size() - 1));
    }
    tokens_.push_back(t);  // nodes and tokens both ascend: each node's tokens are contiguous
    token_node.push_back(open.back());
    max_depth_ = std::max(max_depth_, s.size());
    prev = &s;
  }
  // Per-node ranges by counting: children in node order (a parent's children ascend, so its
  // list is in byte order), tokens in node order.
  const size_t n_nodes = parent.size();
  nodes_.assign(n_nodes + 1, {0, 0});
  for (size_t i = 1; i < n_nodes; ++i) ++nodes_[parent[i] + 1].child_begin;
  for (uint32_t n : token_node) ++nodes_[n + 1].tok_begin;
  for (size_t i = 1; i <= n_nodes; ++i) {
    nodes_[i].child_begin += nodes_[i - 1].child_begin;
    nodes_[i].tok_begin += nodes_[i - 1].tok_begin;
  }
  child_bytes_.resize(n_nodes - 1);
  child_nodes_.resize(n_nodes - 1);
  std::vector<uint32_t> fill(n_nodes);
  for (size_t i = 0; i < n_nodes; ++i) fill[i] = nodes_[i].child_begin;
  for (size_t i = 1; i < n_nodes; ++i) {
    const uint32_t at = fill[parent[i]]++;
    child_bytes_[at] = byte[i];
    child_nodes_[at] = static_cast<uint32_t>(i);
  }
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

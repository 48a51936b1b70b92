#include "safety/aho_corasick.hpp"

#include <deque>

namespace hearth::safety {

void AhoCorasick::add(const std::string& pattern, int32_t id) {
  if (pattern.empty()) return;
  int32_t s = 0;
  for (unsigned char c : pattern) {
    int32_t child = -1;
    for (const auto& [b, n] : nodes_[s].children)
      if (b == c) child = n;
    if (child < 0) {
      child = static_cast<int32_t>(nodes_.size());
      nodes_.emplace_back();
      nodes_[child].depth = nodes_[s].depth + 1;
      nodes_[s].children.emplace_back(c, child);
    }
    s = child;
  }
  if (!nodes_[s].terminal) {  // the first rule with this text wins
    nodes_[s].terminal = true;
    nodes_[s].id = id;
  }
}

void AhoCorasick::build() {
  class_.fill(0);
  alphabet_ = 1;
  for (const Node& n : nodes_)
    for (const auto& [b, child] : n.children)
      if (class_[b] == 0) class_[b] = static_cast<uint16_t>(alphabet_++);
  delta_.assign(nodes_.size() * alphabet_, 0);
  // Breadth-first: a state's fail target is resolved before the state itself.
  std::deque<int32_t> queue;
  for (const auto& [b, child] : nodes_[0].children) {
    delta_[class_[b]] = child;
    nodes_[child].fail = 0;
    queue.push_back(child);
  }
  while (!queue.empty()) {
    const int32_t s = queue.front();
    queue.pop_front();
    Node& n = nodes_[s];
    const int32_t f = n.fail;
    n.dict = nodes_[f].terminal ? f : nodes_[f].dict;
    for (size_t c = 0; c < alphabet_; ++c) delta_[s * alphabet_ + c] = delta_[f * alphabet_ + c];
    for (const auto& [b, child] : n.children) {
      nodes_[child].fail = s == 0 ? 0 : delta_[f * alphabet_ + class_[b]];
      delta_[s * alphabet_ + class_[b]] = child;
      queue.push_back(child);
    }
  }
  for (Node& n : nodes_) std::vector<std::pair<unsigned char, int32_t>>().swap(n.children);
}

}  // namespace hearth::safety

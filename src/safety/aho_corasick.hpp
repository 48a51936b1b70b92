// A byte-level Aho-Corasick automaton: every term of a rule set found in one pass over the
// text, at a cost that does not grow with the number of terms. The state after a text also
// tells how many of its last bytes could still begin a match (depth()), which is what the
// output filter must hold back.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace hearth::safety {

class AhoCorasick {
 public:
  // Adds a pattern; ids are returned by matches. Call build() once after the last add().
  void add(const std::string& pattern, int32_t id);
  void build();

  int32_t start() const { return 0; }
  int32_t next(int32_t state, unsigned char c) const {
    return delta_[static_cast<size_t>(state) * alphabet_ + class_[c]];
  }
  // Length of the longest pattern prefix that ends at this state.
  int32_t depth(int32_t state) const { return nodes_[state].depth; }
  // Patterns ending at this state: id/length of the first, then follow next_output.
  int32_t output(int32_t state) const {
    return nodes_[state].terminal ? state : nodes_[state].dict;
  }
  int32_t next_output(int32_t out_state) const { return nodes_[out_state].dict; }
  int32_t output_id(int32_t out_state) const { return nodes_[out_state].id; }
  int32_t output_length(int32_t out_state) const { return nodes_[out_state].depth; }
  bool empty() const { return nodes_.size() <= 1; }

 private:
  struct Node {
    std::vector<std::pair<unsigned char, int32_t>> children;  // while building
    int32_t fail = 0;
    int32_t dict = -1;  // nearest terminal state along the fail links (-1: none)
    int32_t depth = 0;
    int32_t id = -1;
    bool terminal = false;
  };
  std::vector<Node> nodes_{1};
  // Bytes that occur in no pattern share class 0, so the table stays small.
  std::array<uint16_t, 256> class_{};
  size_t alphabet_ = 1;
  std::vector<int32_t> delta_;  // full transition table: states x classes
};

}  // namespace hearth::safety

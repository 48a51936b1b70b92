// StopStringStream — turns token pieces into the text a caller may see.
//
// Text is released only when it is final: never a prefix of a stop string that the next piece
// could complete (stop strings are matched across token boundaries, anywhere inside a piece),
// never a stop string itself nor anything after it, and never an incomplete UTF-8 sequence.
#pragma once

#include <string>
#include <vector>

namespace hearth {

class StopStringStream {
 public:
  // Empty stop strings are ignored.
  explicit StopStringStream(std::vector<std::string> stops);

  struct Step {
    std::string text;      // newly final text (may be empty)
    bool stopped = false;  // a stop string appeared; `text` ends right before it
  };
  // Appends one token's piece.
  Step push(const std::string& piece);

  // At the end of generation (not at a stop string): everything held back, an unfinished UTF-8
  // sequence at the very end replaced by U+FFFD so the text stays valid.
  std::string finish();

  const std::string& pending() const { return pending_; }

 private:
  std::vector<std::string> stops_;
  std::string pending_;  // received, not yet released
};

}  // namespace hearth

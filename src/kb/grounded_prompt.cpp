#include "kb/grounded_prompt.hpp"

namespace hearth::kb {

std::string source_location(const SearchHit& hit) {
  if (hit.page > 0) return hit.path + " (page " + std::to_string(hit.page) + ")";
  if (hit.line > 0) return hit.path + ":" + std::to_string(hit.line);
  return hit.path;
}

std::string grounded_message(const std::string& question, const std::vector<SearchHit>& hits) {
  if (hits.empty()) return question;
  std::string msg =
      "Answer the question using the numbered sources below where they are relevant, and cite "
      "them by number, like [1].\n\n";
  for (size_t i = 0; i < hits.size(); ++i)
    msg += "[" + std::to_string(i + 1) + "] " + source_location(hits[i]) + "\n" + hits[i].text +
           "\n\n";
  return msg + "Question: " + question;
}

}  // namespace hearth::kb

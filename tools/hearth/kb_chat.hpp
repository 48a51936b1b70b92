// Retrieval for `hearth chat --kb KB`: each user turn is searched in the knowledge base and
// the best passages are put in the message, numbered, with the instruction to cite them; the
// sources (path and page or line) are printed after the answer.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace hearth::kb {
class KnowledgeBase;
struct SearchHit;
}  // namespace hearth::kb

namespace hearth::cli {

class KbRetriever {
 public:
  // `embed_model` "": the model the knowledge base was built with.
  KbRetriever(const std::string& db, const std::string& embed_model, int k);
  ~KbRetriever();
  // The message to send for `question`: the passages, then the question. Remembers the
  // passages for sources().
  std::string augment(const std::string& question);
  // "Sources:\n[1] path:line\n..." for the last augment(), "" when nothing was found.
  std::string sources() const;

 private:
  std::unique_ptr<kb::KnowledgeBase> kb_;
  std::vector<kb::SearchHit> hits_;
  int k_;
};

}  // namespace hearth::cli

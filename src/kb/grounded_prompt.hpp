// The message that grounds a chat turn in retrieved passages: the numbered passages with their
// locations, an instruction to cite them as [n], then the question. One definition shared by
// `hearth chat --kb`, the server's --kb and the C ABI (hearth_kb_augment), so every front end
// asks the model the same way and numbers sources the same way.
#pragma once

#include <string>
#include <vector>

#include "kb/knowledge_base.hpp"

namespace hearth::kb {

// "path:line", "path (page p)" or "path".
std::string source_location(const SearchHit& hit);
// The user message for `question` grounded in `hits` (source n is hits[n - 1]); the question
// unchanged when there are no hits.
std::string grounded_message(const std::string& question, const std::vector<SearchHit>& hits);

}  // namespace hearth::kb
